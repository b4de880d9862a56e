package io.kebridge.serve;

/**
 * The one exception type of the inference server. Its {@link Reason} says what kind of failure it
 * is, which each protocol maps to its own code (an HTTP status, a gRPC status), so a client mistake
 * is answered with a code that says what was wrong and never as a server fault; outside a request
 * (configuration, loading) the reason is informational.
 */
public class ServeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, with the HTTP status it is answered with. */
  public enum Reason {
    /** The request is malformed or does not fit the model (400). */
    BAD_REQUEST(400),
    /** No or a wrong bearer token (401). */
    UNAUTHENTICATED(401),
    /** No such model, version or route (404). */
    NOT_FOUND(404),
    /** The operation is not allowed in the server's current mode (400, as Triton answers). */
    NOT_ALLOWED(400),
    /** The request is larger than the server accepts (413). */
    TOO_LARGE(413),
    /** The model's queue is full (503 with Retry-After). */
    OVERLOADED(503),
    /** The server or model is shutting down or being replaced (503 with Retry-After). */
    UNAVAILABLE(503),
    /** The request waited longer than its timeout (503 with Retry-After). */
    TIMEOUT(503),
    /** A server-side problem: configuration, model loading, the runtime (500). */
    INTERNAL(500);

    private final int status;

    Reason(int status) {
      this.status = status;
    }

    /** The HTTP status. */
    public int status() {
      return status;
    }
  }

  private final Reason reason;
  private final int retryAfterSeconds;

  /** A failure of kind {@code reason}. */
  public ServeException(Reason reason, String message) {
    this(reason, message, null, 0);
  }

  /** A failure of kind {@code reason}, keeping its cause. */
  public ServeException(Reason reason, String message, Throwable cause) {
    this(reason, message, cause, 0);
  }

  private ServeException(Reason reason, String message, Throwable cause, int retryAfterSeconds) {
    super(message, cause);
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The request is malformed or does not fit the model. */
  public static ServeException badRequest(String message) {
    return new ServeException(Reason.BAD_REQUEST, message);
  }

  /** An invalid server setting (a configuration mistake, reported before anything starts). */
  public static ServeException invalidSetting(String message) {
    return new ServeException(Reason.BAD_REQUEST, "invalid server setting: " + message);
  }

  /** No such model, version or route. */
  public static ServeException notFound(String message) {
    return new ServeException(Reason.NOT_FOUND, message);
  }

  /** Not allowed in the server's current mode (e.g. loading a model while polling). */
  public static ServeException notAllowed(String message) {
    return new ServeException(Reason.NOT_ALLOWED, message);
  }

  /** The model's queue is full: retry after {@code retryAfterSeconds}. */
  public static ServeException overloaded(String message, int retryAfterSeconds) {
    return new ServeException(Reason.OVERLOADED, message, null, retryAfterSeconds);
  }

  /** The server or model is going away or being replaced: retry after {@code retryAfterSeconds}. */
  public static ServeException unavailable(String message, int retryAfterSeconds) {
    return new ServeException(Reason.UNAVAILABLE, message, null, retryAfterSeconds);
  }

  /** The request waited too long for its batch. */
  public static ServeException timeout(String message) {
    return new ServeException(Reason.TIMEOUT, message, null, 1);
  }

  /** A server-side problem: configuration, model loading, the runtime. */
  public static ServeException internal(String message, Throwable cause) {
    return new ServeException(Reason.INTERNAL, message, cause);
  }

  /** What kind of failure this is. */
  public Reason reason() {
    return reason;
  }

  /** The HTTP status this failure is answered with. */
  public int status() {
    return reason.status();
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
