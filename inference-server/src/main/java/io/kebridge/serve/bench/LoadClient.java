package io.kebridge.serve.bench;

/**
 * One way of sending the benchmark's prepared inference request: over REST ({@link HttpLoad}) or
 * gRPC ({@link GrpcLoad}). Safe to call from several client threads at once.
 */
public interface LoadClient extends AutoCloseable {
  /** Sends the request once and waits; null on success, else what went wrong. */
  String send();

  @Override
  default void close() { }
}
