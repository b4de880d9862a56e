package io.kebridge.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.onnx.bench.InferenceBenchmark;
import io.kebridge.onnx.bench.LatencyResult;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.prune.cost.Latency;
import java.util.List;

/** Measures the dense and the slim ONNX model's latency for the cost report, interleaved. */
final class Latencies {
  private Latencies() {}

  /** Median latency of both models at {@code batch}, runs interleaved on ONNX Runtime. */
  static Latency measure(ModelProto denseOnnx, ModelProto slimOnnx, int batch) {
    OrtSettings ort = OrtSettings.defaults();
    try (OrtForward dense = OrtForward.open(denseOnnx, ort);
        OrtForward slim = OrtForward.open(slimOnnx, ort)) {
      return measure(dense, slim, batch, ort);
    }
  }

  private static Latency measure(OrtForward dense, OrtForward slim, int batch, OrtSettings ort) {
    List<List<LatencyResult>> r = InferenceBenchmark.compare(List.of(dense, slim),
        new InferenceBenchmark.Settings(List.of(batch), 20, 200, ort));
    return new Latency("onnxruntime", batch, r.get(0).get(0).p50Ms(), r.get(1).get(0).p50Ms());
  }
}
