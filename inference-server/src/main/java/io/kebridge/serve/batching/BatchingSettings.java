package io.kebridge.serve.batching;

import java.time.Duration;
import java.util.List;

/**
 * How one model version's requests are merged: with {@code merge} off every request runs alone
 * (Triton without {@code dynamic_batching}); otherwise at most {@code maxBatchSize} rows per run,
 * waiting at most {@code maxQueueDelay} after the first request for others that are on their way,
 * and running at once when the batch reaches one of {@code preferredBatchSizes} with nothing else
 * queued. At most {@code maxQueueSize} requests wait; one that waited longer than {@code
 * queueTimeout} (zero = no limit) is refused. {@code workers} threads run batches.
 */
public record BatchingSettings(boolean merge, int maxBatchSize, Duration maxQueueDelay,
    List<Integer> preferredBatchSizes, int maxQueueSize, Duration queueTimeout, int workers) {
  /** Checks the values. */
  public BatchingSettings {
    preferredBatchSizes = List.copyOf(preferredBatchSizes);
    if (maxBatchSize < 1 || maxQueueSize < 1 || workers < 1 || maxQueueDelay.isNegative()
        || queueTimeout.isNegative() || preferredBatchSizes.stream().anyMatch(p -> p < 1)) {
      throw new IllegalArgumentException("invalid batching settings: max batch " + maxBatchSize
          + ", queue " + maxQueueSize + ", workers " + workers + ", delay " + maxQueueDelay
          + ", preferred " + preferredBatchSizes + ", queue timeout " + queueTimeout);
    }
  }

  /** Merging with the given limits, no preferred sizes and no queue timeout. */
  public static BatchingSettings merging(int maxBatchSize, Duration maxQueueDelay,
      int maxQueueSize, int workers) {
    return new BatchingSettings(true, maxBatchSize, maxQueueDelay, List.of(), maxQueueSize,
        Duration.ZERO, workers);
  }
}
