package io.kebridge.serve;

/**
 * The one exception type of the inference server. It carries the HTTP status that the failure
 * maps to, so that a client mistake is answered with a 4xx that says what was wrong and a server
 * fault with a 5xx; outside HTTP (configuration, loading) the status is informational.
 */
public class ServeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final int retryAfterSeconds;

  /** A failure answered with {@code status}. */
  public ServeException(int status, String message) {
    this(status, message, null, 0);
  }

  /** A failure answered with {@code status}, keeping its cause. */
  public ServeException(int status, String message, Throwable cause) {
    this(status, message, cause, 0);
  }

  private ServeException(int status, String message, Throwable cause, int retryAfterSeconds) {
    super(message, cause);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 400: the request is malformed or does not fit the model. */
  public static ServeException badRequest(String message) {
    return new ServeException(400, message);
  }

  /** 404: no such model, version or route. */
  public static ServeException notFound(String message) {
    return new ServeException(404, message);
  }

  /** 503 with a {@code Retry-After}: the server is overloaded or shutting down. */
  public static ServeException unavailable(String message, int retryAfterSeconds) {
    return new ServeException(503, message, null, retryAfterSeconds);
  }

  /** A server-side problem: configuration, model loading, the runtime (500). */
  public static ServeException internal(String message, Throwable cause) {
    return new ServeException(500, message, cause);
  }

  /** The HTTP status this failure is answered with. */
  public int status() {
    return status;
  }

  /** Seconds for the {@code Retry-After} header, or 0 when none applies. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** {@code s} cut to 100 characters for an error message, so a client cannot make it huge. */
  public static String clip(String s) {
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }
}
