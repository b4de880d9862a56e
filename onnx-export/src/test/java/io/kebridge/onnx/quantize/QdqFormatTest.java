package io.kebridge.onnx.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.onnx.OnnxFormat;
import io.kebridge.onnx.TestNetworks;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.graph.TensorProtos;
import io.kebridge.onnx.repository.ModelRepository;
import io.kebridge.onnx.runtime.OrtSettings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The QDQ graph is the one the issue prescribes, read off the written file: batch-norms folded,
 * int8 symmetric per-channel weights, int32 biases on {@code x_scale * w_scale}, uint8 activations
 * with an exact zero, Q after the ReLU, shared scales through max-pool and flatten, float logits
 * and probabilities, the float model's opset, input, outputs and metadata kept.
 */
class QdqFormatTest {
  private final NetworkSpec spec = TestNetworks.smallCnn();
  private final ModelProto fp32 = OnnxExporter.export(spec, WeightInit.randomized(spec, 3),
      TestNetworks.card(spec), ExportOptions.defaults());
  private final CalibrationSet calibration =
      CalibrationSet.synthetic(spec.input().shape(), 16, 1);

  private Quantizer.Result quantize(QuantizationSettings settings) {
    return Quantizer.quantize(fp32, calibration, settings, OrtSettings.defaults());
  }

  @Test
  void batchNormsAreFoldedAndWeightsAreInt8PerOutputChannel() {
    Quantizer.Result q = quantize(QuantizationSettings.defaults());
    ModelProto m = q.model();
    assertEquals(3, q.foldedBatchNorms());
    assertFalse(Graphs.ops(m).contains("BatchNormalization"), Graphs.ops(m).toString());
    TensorProto w = init(m, "conv2.weight_quantized");
    assertEquals(TensorProto.DataType.INT8_VALUE, w.getDataType());
    assertEquals(List.of(8L, 4L, 3L, 3L), w.getDimsList());
    assertEquals(List.of(8L), init(m, "conv2.weight_scale").getDimsList());
    TensorProto zp = init(m, "conv2.weight_zero_point");
    assertEquals(TensorProto.DataType.INT8_VALUE, zp.getDataType());
    assertArrayEquals(new byte[8], zp.getRawData().toByteArray());
    assertEquals(0, node(m, "conv2.weight_DequantizeLinear").getAttribute(0).getI()); // axis 0
    // symmetric: every channel reaches +-127 and never -128
    byte[] v = w.getRawData().toByteArray();
    for (int c = 0; c < 8; c++) {
      int max = 0;
      for (int i = c * 36; i < (c + 1) * 36; i++) {
        assertTrue(v[i] >= -127, "int8 weight " + v[i]);
        max = Math.max(max, Math.abs(v[i]));
      }
      assertEquals(127, max, "channel " + c);
    }
    assertTrue(init(m, "fc.weight_quantized").getDataType() == TensorProto.DataType.INT8_VALUE);
  }

  @Test
  void biasesAreInt32OnTheInputScaleTimesTheWeightScale() {
    ModelProto m = quantize(QuantizationSettings.defaults()).model();
    NodeProto conv = node(m, "conv2");
    // conv2 reads pool1, which shares relu1's scale
    String xScale = dequantizeOf(m, conv.getInput(0)).getInput(1);
    assertEquals("relu1_scale", xScale);
    float x = TensorProtos.toFloats(init(m, xScale))[0];
    float[] w = TensorProtos.toFloats(init(m, "conv2.weight_scale"));
    float[] b = TensorProtos.toFloats(init(m, "conv2.bias_scale"));
    for (int c = 0; c < w.length; c++) {
      assertEquals(x * w[c], b[c], 0f, "bias scale of channel " + c);
    }
    TensorProto bias = init(m, "conv2.bias_quantized");
    assertEquals(TensorProto.DataType.INT32_VALUE, bias.getDataType());
    assertEquals(TensorProto.DataType.INT32_VALUE, init(m, "conv2.bias_zero_point").getDataType());
    assertEquals("conv2.bias_dequantized", conv.getInput(2));
  }

  @Test
  void activationsAreUint8WithZeroExactAndTheQComesAfterTheRelu() {
    Quantizer.Result q = quantize(QuantizationSettings.defaults());
    ModelProto m = q.model();
    // the conv's output goes straight into the ReLU; the ReLU's output is quantised with zero point 0
    assertTrue(consumers(m, "conv1").stream().allMatch(n -> n.getOpType().equals("Relu")));
    NodeProto qRelu = consumers(m, "relu1").get(0);
    assertEquals("QuantizeLinear", qRelu.getOpType());
    TensorProto zp = init(m, qRelu.getInput(2));
    assertEquals(TensorProto.DataType.UINT8_VALUE, zp.getDataType());
    assertEquals(0, zp.getRawData().byteAt(0));
    for (Map.Entry<String, QuantParams> e : q.activations().entrySet()) {
      QuantParams p = e.getValue();
      assertTrue(p.zeroPoint() >= 0 && p.zeroPoint() <= 255, e.toString());
      assertTrue(p.scale() > 0, e.toString());
      if (e.getKey().startsWith("relu") || e.getKey().startsWith("pool")) {
        assertEquals(0, p.zeroPoint(), e.toString());
      }
    }
    // the normalised input is signed: its zero is a step strictly inside [0, 255]
    QuantParams in = q.activations().get(OnnxFormat.INPUT);
    assertTrue(in.zeroPoint() > 0 && in.zeroPoint() < 255, in.toString());
  }

  @Test
  void maxPoolAndFlattenKeepTheScaleOfTheirInput() {
    ModelProto m = quantize(QuantizationSettings.defaults()).model();
    NodeProto qPool = consumers(m, "pool1").get(0);
    assertEquals("relu1_scale", qPool.getInput(1));
    assertEquals("relu1_zero_point", qPool.getInput(2));
    NodeProto qFlat = consumers(m, "flatten").get(0);
    assertEquals("avgpool_scale", qFlat.getInput(1));
  }

  @Test
  void logitsStayFloatAndProbsAreComputedInFloatFromThem() {
    ModelProto m = quantize(QuantizationSettings.defaults()).model();
    NodeProto gemm = node(m, "fc");
    assertEquals(OnnxFormat.LOGITS, gemm.getOutput(0));
    assertTrue(consumers(m, OnnxFormat.LOGITS).stream()
        .allMatch(n -> n.getOpType().equals("Softmax")));
    assertEquals(List.of(OnnxFormat.LOGITS, OnnxFormat.PROBS),
        m.getGraph().getOutputList().stream().map(o -> o.getName()).toList());
    for (var o : m.getGraph().getOutputList()) {
      assertEquals(TensorProto.DataType.FLOAT_VALUE, o.getType().getTensorType().getElemType());
    }
    assertEquals(TensorProto.DataType.FLOAT_VALUE,
        m.getGraph().getInput(0).getType().getTensorType().getElemType());
  }

  @Test
  void opsetIrVersionMetadataAndTheTritonConfigAreThoseOfTheFloatModel() {
    ModelProto m = quantize(QuantizationSettings.defaults()).model();
    assertEquals(OnnxFormat.IR_VERSION, m.getIrVersion());
    assertEquals(1, m.getOpsetImportCount());
    assertEquals(OnnxFormat.OPSET, m.getOpsetImport(0).getVersion());
    assertEquals(OnnxFiles.metadata(fp32), OnnxFiles.metadata(m));
    // the repository entry of an INT8 model is that of its float model: float32 in and out
    assertEquals(ModelRepository.tritonConfig("m", fp32, 8), ModelRepository.tritonConfig("m", m, 8));
  }

  @Test
  void aSaturatedRelu6GetsExactlyItsBoundsSoOnnxRuntimeDropsTheClip() {
    ModelProto m = Graphs.of(3, (g, x) -> g.relu6(g.conv(x, 6, 3, 1, 20f)));
    Quantizer.Result q = Quantizer.quantize(m, new CalibrationSet(Graphs.images(8, 1), "noise"),
        QuantizationSettings.defaults(), OrtSettings.defaults());
    QuantParams p = q.activations().get("relu6_2");
    assertEquals(new QuantParams(6f / 255f, 0), p);
    assertEquals(new TensorRange(0f, 6f), p.represented());
    FusionReport f = FusionCheck.verify(q.model(), OrtSettings.defaults());
    assertEquals(1, f.of("Conv").count(), f.describe());
    assertFalse(f.floatOps().containsKey("Clip"), f.describe());
  }

  @Test
  void perTensorWeightsHaveOneScale() {
    ModelProto m = quantize(QuantizationSettings.defaults().withPerChannel(false)).model();
    TensorProto s = init(m, "conv2.weight_scale");
    assertEquals(0, s.getDimsCount());
    assertEquals(0, node(m, "conv2.weight_DequantizeLinear").getAttributeCount());
    assertEquals(0, init(m, "conv2.bias_scale").getDimsCount());
    FusionReport f = FusionCheck.verify(m, OrtSettings.defaults());
    assertEquals(3, f.of("Conv").count(), f.describe());
  }

  @Test
  void reducedRangeWeightsUseSevenBitsAndStillFuse() {
    ModelProto m = quantize(QuantizationSettings.defaults().withReduceRange(true)).model();
    byte[] v = init(m, "conv2.weight_quantized").getRawData().toByteArray();
    int max = 0;
    for (byte b : v) {
      max = Math.max(max, Math.abs(b));
    }
    assertEquals(63, max);
    FusionReport f = FusionCheck.verify(m, OrtSettings.defaults());
    assertEquals(3, f.of("Conv").count(), f.describe());
  }

  @Test
  void aFoldedFloatModelQuantisesToTheSameWeights() {
    ModelProto folded = OnnxExporter.export(spec, WeightInit.randomized(spec, 3),
        TestNetworks.card(spec), ExportOptions.defaults().withFoldBatchNorm(true));
    ModelProto a = quantize(QuantizationSettings.defaults()).model();
    ModelProto b = Quantizer.quantize(folded, calibration, QuantizationSettings.defaults(),
        OrtSettings.defaults()).model();
    // the graph-level fold and the exporter's fold are one arithmetic
    assertEquals(init(a, "conv3.weight_quantized"), init(b, "conv3.weight_quantized"));
    assertArrayEquals(ints(init(a, "conv3.bias_quantized")), ints(init(b, "conv3.bias_quantized")));
  }

  static TensorProto init(ModelProto m, String name) {
    Optional<TensorProto> t = m.getGraph().getInitializerList().stream()
        .filter(i -> i.getName().equals(name)).findFirst();
    assertTrue(t.isPresent(), "no initializer " + name);
    return t.get();
  }

  static NodeProto node(ModelProto m, String name) {
    NodeProto n = m.getGraph().getNodeList().stream().filter(x -> x.getName().equals(name))
        .findFirst().orElse(null);
    assertNotNull(n, "no node " + name);
    return n;
  }

  static List<NodeProto> consumers(ModelProto m, String value) {
    return m.getGraph().getNodeList().stream().filter(n -> n.getInputList().contains(value))
        .toList();
  }

  private static NodeProto dequantizeOf(ModelProto m, String dequantized) {
    return m.getGraph().getNodeList().stream()
        .filter(n -> n.getOutputList().contains(dequantized)).findFirst().orElseThrow();
  }

  private static int[] ints(TensorProto t) {
    ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    int[] v = new int[b.remaining() / 4];
    b.asIntBuffer().get(v);
    return v;
  }
}
