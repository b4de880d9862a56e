package io.kebridge.training;

/**
 * The one exception type of {@code tf-training}: its message names what went wrong (which run
 * directory, which checkpoint file, which option) in terms a user can act on.
 */
public class TrainingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrainingException(String message) {
    super(message);
  }

  public TrainingException(String message, Throwable cause) {
    super(message, cause);
  }
}
