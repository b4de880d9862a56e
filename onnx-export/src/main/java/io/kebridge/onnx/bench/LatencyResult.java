package io.kebridge.onnx.bench;

import java.util.Locale;

/**
 * Latency of one batch size under ONNX Runtime.
 *
 * @param p50Ms median latency of one run in milliseconds
 * @param imagesPerSecond images over the total time of the timed runs
 */
public record LatencyResult(
    int batch, int iterations, double p50Ms, double p90Ms, double p99Ms, double imagesPerSecond) {

  /** One table row: batch, percentiles and throughput. */
  public String describe() {
    return String.format(Locale.ROOT, "batch %3d  p50 %8.3f ms  p90 %8.3f ms  p99 %8.3f ms  %9.1f img/s  (%d runs)",
        batch, p50Ms, p90Ms, p99Ms, imagesPerSecond, iterations);
  }
}
