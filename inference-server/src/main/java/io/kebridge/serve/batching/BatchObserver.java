package io.kebridge.serve.batching;

/** Told about every batch a batcher runs for clients (the metrics and statistics listen). */
@FunctionalInterface
public interface BatchObserver {
  /** Ignores every batch. */
  BatchObserver NONE = (model, version, timing) -> { };

  /** A batch of model {@code model} version {@code version} ran. */
  void batchRan(String model, long version, BatchTiming timing);

  /** This observer, then {@code next}. */
  default BatchObserver andThen(BatchObserver next) {
    return (m, v, t) -> {
      batchRan(m, v, t);
      next.batchRan(m, v, t);
    };
  }
}
