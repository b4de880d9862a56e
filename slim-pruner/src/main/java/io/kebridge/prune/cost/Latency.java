package io.kebridge.prune.cost;

/**
 * Measured inference latency of the dense and the slim network (medians of a benchmark), supplied
 * by whoever measures it (ONNX Runtime benchmarks); the pruner itself never times anything.
 *
 * @param runtime what ran the networks ({@code onnxruntime 1.23.2 CPU})
 * @param batch images per forward call
 * @param denseMedianMs median latency of the dense network per call, milliseconds
 * @param slimMedianMs median latency of the slim network per call, milliseconds
 */
public record Latency(String runtime, int batch, double denseMedianMs, double slimMedianMs) {
  /** How many times faster the slim network runs. */
  public double speedup() {
    return slimMedianMs == 0 ? 0 : denseMedianMs / slimMedianMs;
  }
}
