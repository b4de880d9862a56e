package io.kebridge.prune;

/**
 * The one exception type of the slim pruner: what cannot be cut (a split without a slim network,
 * a channel group left empty, a layer the pruner does not know, weights that do not fit the spec)
 * or written, said in terms a user can act on.
 */
public class PruneException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PruneException(String message) {
    super(message);
  }

  public PruneException(String message, Throwable cause) {
    super(message, cause);
  }
}
