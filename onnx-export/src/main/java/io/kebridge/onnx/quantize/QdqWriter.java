package io.kebridge.onnx.quantize;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.kebridge.onnx.graph.GraphBuilder;
import io.kebridge.onnx.graph.TensorProtos;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the QDQ graph of a {@link QdqPlan}: each 8-bit value gets one QuantizeLinear after its
 * producer and one DequantizeLinear in front of each reader (ONNX Runtime fuses a node group only
 * when its DQs are its own); Conv and Gemm weights become int8 constants behind a per-axis DQ and
 * their biases int32 constants on the grid {@code inputScale * weightScale[c]}. Every other node is
 * written as it was, under its own name. Names follow ONNX Runtime's quantiser
 * ({@code x_quantized}, {@code x_scale}, {@code x_zero_point}, {@code x_dequantized}).
 */
final class QdqWriter {
  private final QdqPlan plan;
  private final GraphIndex index;
  private final Map<String, QuantParams> params;
  private final boolean perChannel;
  private final int qmax;
  private final GraphBuilder g;
  private final Set<String> written = new HashSet<>();
  private final Map<String, Integer> readers = new HashMap<>();
  /** Quantised weights by their float name, so a weight shared by two nodes is stored once. */
  private final Map<String, WeightQuantization.Weight> weights = new HashMap<>();

  private QdqWriter(QdqPlan plan, Map<String, QuantParams> params, QuantizationSettings settings) {
    this.plan = plan;
    this.index = plan.index;
    this.params = params;
    this.perChannel = settings.perChannel();
    this.qmax = settings.reduceRange() ? WeightQuantization.QMAX_REDUCED : WeightQuantization.QMAX;
    this.g = new GraphBuilder(index.graph.getName());
  }

  /**
   * The QDQ model: {@code model} (the planned float model) with its graph rewritten, everything
   * else (IR version, opsets, metadata) kept.
   *
   * @param params the scale and zero point of every value whose range was calibrated
   */
  static ModelProto write(ModelProto model, QdqPlan plan, Map<String, QuantParams> params,
      QuantizationSettings settings) {
    return model.toBuilder().setGraph(new QdqWriter(plan, params, settings).graph()).build();
  }

  private ai.onnx.proto.OnnxMl.GraphProto graph() {
    for (ValueInfoProto in : index.inputs()) {
      g.input(in);
      if (plan.isQuantized(in.getName())) {
        quantize(in.getName());
      }
    }
    for (NodeProto n : index.graph.getNodeList()) {
      QdqPlan.Role role = QdqPlan.role(n);
      List<String> ins = new ArrayList<>();
      String[] weighted = role == QdqPlan.Role.WEIGHTED ? weightAndBias(n) : null;
      for (int k = 0; k < n.getInputCount(); k++) {
        String in = n.getInput(k);
        if (in.isEmpty()) {
          ins.add("");
        } else if (weighted != null && k >= 1 && k <= 2) {
          ins.add(weighted[k - 1]);
        } else if (plan.isQuantized(in)) {
          ins.add(dequantize(in));
        } else if (index.isInitializer(in)) {
          ins.add(constant(index.initializer(in)));
        } else {
          ins.add(in);
        }
      }
      g.node(n.getOpType(), n.getName(), ins, n.getOutputList(),
          n.getAttributeList().toArray(new AttributeProto[0]));
      for (String out : n.getOutputList()) {
        if (!out.isEmpty() && plan.isQuantized(out)) {
          quantize(out);
        }
      }
    }
    for (ValueInfoProto out : index.graph.getOutputList()) {
      g.output(out);
    }
    return g.build();
  }

  /** The activation's parameters: its own, or those of the value whose scale it shares. */
  private QuantParams paramsOf(String value) {
    return params.get(plan.scaleSource(value));
  }

  private void quantize(String value) {
    String source = plan.scaleSource(value);
    QuantParams p = params.get(source);
    String scale = source + "_scale";
    String zero = source + "_zero_point";
    if (written.add(scale)) {
      g.initializer(TensorProtos.floats(scale, new int[0], new float[] {p.scale()}));
      g.initializer(TensorProtos.uint8s(zero, new int[0], new byte[] {(byte) p.zeroPoint()}));
    }
    g.node("QuantizeLinear", value + "_QuantizeLinear", List.of(value, scale, zero),
        List.of(value + "_quantized"));
  }

  /** A DequantizeLinear of the value for one more reader; returns what the reader reads. */
  private String dequantize(String value) {
    String source = plan.scaleSource(value);
    int k = readers.merge(value, 1, Integer::sum);
    String suffix = k == 1 ? "" : "_" + k;
    return g.node("DequantizeLinear", value + "_DequantizeLinear" + suffix,
        List.of(value + "_quantized", source + "_scale", source + "_zero_point"),
        List.of(value + "_dequantized" + suffix));
  }

  /** Writes the int8 weight and int32 bias of a Conv or Gemm; returns the values it reads. */
  private String[] weightAndBias(NodeProto n) {
    TensorProto w = index.initializer(n.getInput(1));
    int[] shape = TensorProtos.shape(w);
    boolean gemm = n.getOpType().equals("Gemm");
    int axis = gemm && GraphIndex.intAttribute(n, "transB", 0) == 0 ? 1 : 0;
    String biasName = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? n.getInput(2) : null;
    String x = n.getInput(0);
    // an int32 bias needs the input's scale; a float input keeps a float bias
    boolean intBias = biasName != null && plan.isQuantized(x);
    float[] bias = intBias ? TensorProtos.toFloats(index.initializer(biasName)) : null;
    float xScale = intBias ? paramsOf(x).scale() : 1f;
    WeightQuantization.Weight q = weights.get(w.getName());
    if (q == null) {
      q = WeightQuantization.weight(TensorProtos.toFloats(w), shape, axis, perChannel, bias,
          xScale, qmax);
      weights.put(w.getName(), q);
      int[] sshape = perChannel ? new int[] {shape[axis]} : new int[0];
      writeDequantized(w.getName(), axis,
          TensorProtos.int8s(w.getName() + "_quantized", shape, q.values()),
          TensorProtos.floats(w.getName() + "_scale", sshape, q.scales()),
          TensorProtos.int8s(w.getName() + "_zero_point", sshape, new byte[q.scales().length]));
    }
    String[] out = {w.getName() + "_dequantized", null};
    if (biasName == null) {
      return out;
    }
    if (!intBias) {
      out[1] = constant(index.initializer(biasName));
      return out;
    }
    WeightQuantization.Bias b = WeightQuantization.bias(bias, xScale, q.scales(), perChannel);
    String name = biasName;
    for (int i = 2; written.contains(name + "_quantized"); i++) {
      name = biasName + "_" + i; // a bias shared by two nodes with different input scales
    }
    int[] sshape = perChannel ? new int[] {bias.length} : new int[0];
    writeDequantized(name, 0,
        TensorProtos.int32s(name + "_quantized", new int[] {bias.length}, b.values()),
        TensorProtos.floats(name + "_scale", sshape, b.scales()),
        TensorProtos.int32s(name + "_zero_point", sshape, new int[b.scales().length]));
    out[1] = name + "_dequantized";
    return out;
  }

  /** An integer constant, its scales and zero points, and the DequantizeLinear that reads it. */
  private void writeDequantized(String name, int axis, TensorProto quantized, TensorProto scale,
      TensorProto zeroPoint) {
    written.add(quantized.getName());
    g.initializer(quantized);
    g.initializer(scale);
    g.initializer(zeroPoint);
    List<String> ins = List.of(quantized.getName(), scale.getName(), zeroPoint.getName());
    if (scale.getDimsCount() > 0) {
      g.node("DequantizeLinear", name + "_DequantizeLinear", ins, List.of(name + "_dequantized"),
          GraphBuilder.attr("axis", (long) axis));
    } else {
      g.node("DequantizeLinear", name + "_DequantizeLinear", ins, List.of(name + "_dequantized"));
    }
  }

  /** A float constant the node keeps (Clip bounds, a reshape's shape), written once. */
  private String constant(TensorProto t) {
    if (written.add(t.getName())) {
      g.initializer(t);
    }
    return t.getName();
  }
}
