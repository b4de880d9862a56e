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

  @Override
  default void close() { }
}
