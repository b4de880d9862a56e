package io.kebridge.onnx.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.onnx.TestNetworks;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The QDQ form of each supported layer loads in ONNX Runtime, is fused into its integer kernel
 * (read from the optimised graph ONNX Runtime writes) and computes what the float layer computes,
 * within 8-bit rounding.
 */
class QdqLayersFuseTest {

  record Case(String name, BiFunction<Graphs, String, String> body, List<String> fused) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> layers() {
    return Stream.of(
        new Case("conv + relu", (g, x) -> g.relu(g.conv(x, 6, 3, 1)),
            List.of("Conv", "Gemm", "GlobalAveragePool")),
        new Case("conv + batch-norm (folded) + relu", (g, x) -> g.relu(g.convBatchNorm(x, 6)),
            List.of("Conv", "Gemm", "GlobalAveragePool")),
        new Case("depthwise conv + relu6", (g, x) -> g.relu6(g.conv(g.relu(g.conv(x, 8, 1, 1)),
            8, 3, 8)), List.of("Conv", "Gemm", "GlobalAveragePool")),
        new Case("grouped conv", (g, x) -> g.relu(g.conv(x, 8, 3, 2)),
            List.of("Conv", "Gemm", "GlobalAveragePool")),
        new Case("dense (Gemm) inside the network", (g, x) -> g.dense(g.relu(g.conv(x, 2, 1, 1)),
            12), List.of("Conv", "Gemm", "GlobalAveragePool", "Flatten", "Reshape")),
        new Case("residual add + relu", (g, x) -> {
          String a = g.relu(g.conv(x, 6, 3, 1));
          return g.relu(g.add(g.conv(a, 6, 3, 1), g.conv(x, 6, 1, 1)));
        }, List.of("Conv", "Add", "Gemm", "GlobalAveragePool")),
        new Case("max pool", (g, x) -> g.maxPool(g.relu(g.conv(x, 6, 3, 1))),
            List.of("Conv", "MaxPool", "Gemm", "GlobalAveragePool")),
        new Case("average pool", (g, x) -> g.averagePool(g.relu(g.conv(x, 6, 3, 1))),
            List.of("Conv", "AveragePool", "Gemm", "GlobalAveragePool")),
        new Case("relu6 that saturates at 6", (g, x) -> g.relu6(g.conv(x, 6, 3, 1, 20f)),
            List.of("Conv", "Gemm", "GlobalAveragePool")),
        new Case("dropout and identity (inference)", (g, x) -> g.unary("Identity",
            g.unary("Dropout", g.relu(g.conv(x, 6, 3, 1)))), List.of("Conv", "Gemm",
            "GlobalAveragePool")),
        new Case("concat", (g, x) -> g.concat(g.relu(g.conv(x, 3, 3, 1)), g.relu(g.conv(x, 5, 1,
            1))), List.of("Conv", "Concat", "Gemm", "GlobalAveragePool"))
    ).map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layers")
  void layerLoadsFusesAndTracksTheFloatLayer(Case c) {
    ModelProto fp32 = Graphs.of(11, c.body());
    // calibrated on the images compared, so that the bound below is rounding, not saturation
    float[][] x = Graphs.images(32, 2);
    CalibrationSet calibration = new CalibrationSet(x, "noise");
    Quantizer.Result q = Quantizer.quantize(fp32, calibration, QuantizationSettings.defaults(),
        OrtSettings.defaults());
    FusionReport fusion = FusionCheck.verify(q.model(), OrtSettings.defaults());
    for (String op : c.fused()) {
      FusionReport.Fused f = fusion.of(op);
      assertNotNull(f, op + " missing from " + fusion.describe());
      assertEquals(f.total(), f.count(), fusion.describe());
    }
    assertEquals(1, fusion.floatOps().size(), fusion.describe());
    assertEquals(1, fusion.floatOps().get("Softmax"), fusion.describe());
    assertEquals(0, fusion.dequantizeLeft(), fusion.describe());

    try (OrtForward a = OrtForward.open(fp32, OrtSettings.defaults());
        OrtForward b = OrtForward.open(q.model(), OrtSettings.defaults())) {
      float[][] la = a.logits(x);
      float[][] lb = b.logits(x);
      double rel = TestNetworks.maxAbsDiff(la, lb) / TestNetworks.maxAbs(la);
      assertTrue(rel < 0.03, c + ": relative logit error " + rel);
    }
  }
}
