package io.kebridge.serve.batching;

/** Told about every batch a batcher runs (the metrics registry listens). */
@FunctionalInterface
public interface BatchObserver {
  /** Ignores every batch. */
  BatchObserver NONE = (model, version, rows, requests, nanos) -> { };

  /**
   * A batch of {@code requests} requests and {@code rows} rows ran in {@code inferenceNanos}.
   */
  void batchRan(String model, long version, int rows, int requests, long inferenceNanos);
}
