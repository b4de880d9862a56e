package io.kebridge.serve.batching;

import java.time.Duration;

/**
 * How requests are merged: at most {@code maxBatchSize} rows per run, waiting at most {@code
 * maxQueueDelay} after the first request for others, with at most {@code maxQueueSize} requests
 * queued and {@code workers} threads running batches.
 */
public record BatchingSettings(int maxBatchSize, Duration maxQueueDelay, int maxQueueSize,
    int workers) {
  /** Checks the values. */
  public BatchingSettings {
    if (maxBatchSize < 1 || maxQueueSize < 1 || workers < 1 || maxQueueDelay.isNegative()) {
      throw new IllegalArgumentException("invalid batching settings: max batch " + maxBatchSize
          + ", queue " + maxQueueSize + ", workers " + workers + ", delay " + maxQueueDelay);
    }
  }
}
