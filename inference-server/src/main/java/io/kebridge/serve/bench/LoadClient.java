package io.kebridge.serve.bench;

/**
 * One way of sending the benchmark's prepared inference request: over REST ({@link HttpLoad}) or
 * gRPC ({@link GrpcLoad}). Safe to call from several client threads at once.
 */
public interface LoadClient extends AutoCloseable {
  /** Sends the request once and waits; null on success, else what went wrong. */
  String send();

  /**
   * Asks the server's readiness over the same connection (no inference): warms this client's own
   * code and connection, as a readiness probe would; null when ready.
   */
  String probe();

  /**
   * The server's own count of time spent answering this model's successful requests (Triton's
   * statistics, {@code inference_stats.success.ns}), or -1 when it cannot be read: the server's
   * view of a request's latency, without the client's costs.
   */
  long serverSuccessNanos();

  @Override
  default void close() { }
}
