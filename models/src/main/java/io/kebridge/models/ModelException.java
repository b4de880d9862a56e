package io.kebridge.models;

/**
 * The one exception type of the {@code models} module: its message says what was wrong in terms a
 * user can act on (which file, which layer, which value).
 */
public class ModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelException(String message) {
    super(message);
  }

  public ModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
