package io.kebridge.modelconfig;

/** A {@code config.pbtxt} that cannot be read: the message names the file, line and column. */
public class ModelConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure with a message a user can act on. */
  public ModelConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
