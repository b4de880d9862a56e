package io.kebridge.onnx.bench;

import java.util.Locale;

/**
 * Latency of one batch size under ONNX Runtime.
 *
 * @param p50Ms median latency of one run in milliseconds
 * @param imagesPerSecond images over the total time of the timed runs
 * @param cpuP50Ms with one intra-op thread, the median CPU time of the calling thread per run (ONNX
 *     Runtime computes on it): the model's own work, which other processes on a shared machine
 *     do not inflate as they do wall time; NaN with more threads
 */
public record LatencyResult(int batch, int iterations, double p50Ms, double p90Ms, double p99Ms,
    double imagesPerSecond, double cpuP50Ms) {

  /** One table row: batch, percentiles, throughput and, when measured, the CPU time. */
  public String describe() {
    return String.format(Locale.ROOT, "batch %3d  p50 %8.3f ms  p90 %8.3f ms  p99 %8.3f ms  %9.1f img/s  (%d runs)",
        batch, p50Ms, p90Ms, p99Ms, imagesPerSecond, iterations)
        + (Double.isNaN(cpuP50Ms) ? "" : String.format(Locale.ROOT, "  cpu p50 %8.3f ms", cpuP50Ms));
  }
}
