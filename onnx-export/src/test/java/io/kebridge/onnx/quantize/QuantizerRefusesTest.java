package io.kebridge.onnx.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.runtime.OrtSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What cannot be quantised is refused by name, every node at once, before any calibration. */
class QuantizerRefusesTest {
  private final CalibrationSet calibration = new CalibrationSet(Graphs.images(4, 1), "noise");

  private OnnxException refused(ModelProto m) {
    return assertThrows(OnnxException.class, () ->
        Quantizer.quantize(m, calibration, QuantizationSettings.defaults(), OrtSettings.defaults()));
  }

  @Test
  void operatorsWithoutAnInt8FormAreAllNamedInOneMessage() {
    ModelProto m = Graphs.of(1, (g, x) -> g.unary("LeakyRelu", g.unary("Sigmoid",
        g.relu(g.conv(x, 4, 3, 1)))));
    OnnxException e = refused(m);
    assertTrue(e.getMessage().contains("node 'sigmoid3' (Sigmoid) has no INT8 form"), e.getMessage());
    assertTrue(e.getMessage().contains("node 'leakyrelu4' (LeakyRelu) has no INT8 form"),
        e.getMessage());
    assertTrue(e.getMessage().contains("Supported: Add, AveragePool, BatchNormalization, Clip"),
        e.getMessage());
    // the check alone says the same, without calibration data
    assertEquals(e.getMessage(), assertThrows(OnnxException.class,
        () -> Quantizer.checkSupported(m)).getMessage());
  }

  @Test
  void aSoftmaxInsideTheNetworkIsRefused() {
    ModelProto m = Graphs.of(1, (g, x) -> g.unary("Softmax", g.conv(x, 4, 3, 1),
        io.kebridge.onnx.graph.GraphBuilder.attr("axis", 1L)));
    OnnxException e = refused(m);
    assertTrue(e.getMessage().contains("node 'softmax2' (Softmax) feeds other nodes"),
        e.getMessage());
  }

  @Test
  void anAddOfAConstantIsRefused() {
    ModelProto m = Graphs.of(1, (g, x) -> {
      String c = g.conv(x, 4, 3, 1);
      String k = g.builder().initializer("offset", new int[] {1, 4, 1, 1}, new float[4]);
      return g.builder().node("Add", "plus_offset", List.of(c, k), List.of("plus"));
    });
    OnnxException e = refused(m);
    assertTrue(e.getMessage().contains("node 'plus_offset' (Add) combines an activation with a"
        + " constant (offset)"), e.getMessage());
  }

  @Test
  void aModelThatIsQuantisedAlreadyIsRefused() {
    ModelProto fp32 = Graphs.of(1, (g, x) -> g.relu(g.conv(x, 4, 3, 1)));
    ModelProto int8 = Quantizer.quantize(fp32, calibration, QuantizationSettings.defaults(),
        OrtSettings.defaults()).model();
    OnnxException e = refused(int8);
    assertTrue(e.getMessage().contains("quantised already"), e.getMessage());
  }

  @Test
  void anOpsetWithoutPerAxisDequantizeIsRefused() {
    ModelProto m = Graphs.of(1, (g, x) -> g.relu(g.conv(x, 4, 3, 1)));
    ModelProto old = m.toBuilder().clearOpsetImport()
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(11)).build();
    OnnxException e = refused(old);
    assertTrue(e.getMessage().contains("opset 11; per-channel INT8 needs opset 13"), e.getMessage());
  }

  @Test
  void aBatchNormWithNoConvBeforeItStaysFloatBetweenQAndDq() {
    ModelProto m = Graphs.of(1, (g, x) -> g.relu(g.batchNorm(g.maxPool(g.relu(g.conv(x, 4, 3,
        1))), 4, "lonely_bn")));
    Quantizer.Result q = Quantizer.quantize(m, calibration, QuantizationSettings.defaults(),
        OrtSettings.defaults());
    assertEquals(List.of("lonely_bn"), q.floatNodes());
    assertTrue(Graphs.ops(q.model()).contains("BatchNormalization"));
    FusionReport f = FusionCheck.verify(q.model(), OrtSettings.defaults());
    assertEquals(1, f.of("Conv").count(), f.describe());
    assertFalse(f.floatOps().isEmpty());
  }
}
