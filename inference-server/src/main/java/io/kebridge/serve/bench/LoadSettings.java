package io.kebridge.serve.bench;

import java.time.Duration;

/**
 * What one load run does: {@code concurrency} clients each sending the prepared inference request
 * back to back, for {@code warmup} unmeasured and then {@code duration} measured; {@code
 * rowsPerRequest} converts requests to images per second.
 */
public record LoadSettings(int concurrency, Duration warmup, Duration duration,
    int rowsPerRequest) {
  /** Checks the values. */
  public LoadSettings {
    if (concurrency < 1 || duration.isNegative() || duration.isZero() || rowsPerRequest < 1) {
      throw new IllegalArgumentException("load needs at least one client, a positive duration"
          + " and at least one row per request");
    }
  }
}
