package io.kebridge.onnx.quantize;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.graph.TensorProtos;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides, for a float graph with its batch-norms folded, which values become 8-bit and how every
 * node takes part, following the pattern ONNX Runtime fuses: {@code DQ -> op -> Q} around each
 * integer operator, Q after the ReLU or Clip that ends a Conv, Gemm or Add (ONNX Runtime drops the
 * activation into the Q's clamp), the same scale in and out of max-pool, flatten and reshape (they
 * then run on the 8-bit values), and the graph's outputs left in float. Every node it cannot place
 * is refused by name, all of them in one message, before any calibration runs.
 */
final class QdqPlan {

  /** How a node takes part in the INT8 graph. */
  enum Role {
    /** Conv, Gemm: int8 weights, int32 bias, 8-bit input and output. */
    WEIGHTED,
    /** Relu, Clip: absorbed by the Q that follows them. */
    ACTIVATION,
    /** Add, Concat: every input an activation, output on its own scale. */
    MULTI_INPUT,
    /** MaxPool, Flatten, Reshape, Identity, Dropout: output on the input's scale. */
    SHARED_SCALE,
    /** GlobalAveragePool, AveragePool, a batch-norm that follows no conv: own output scale. */
    OWN_SCALE,
    /** Softmax: computed in float on the float logits. */
    FLOAT_OUTPUT
  }

  /** The one table of supported operators. */
  static final Map<String, Role> ROLES = Map.ofEntries(
      Map.entry("Conv", Role.WEIGHTED),
      Map.entry("Gemm", Role.WEIGHTED),
      Map.entry("Relu", Role.ACTIVATION),
      Map.entry("Clip", Role.ACTIVATION),
      Map.entry("Add", Role.MULTI_INPUT),
      Map.entry("Concat", Role.MULTI_INPUT),
      Map.entry("MaxPool", Role.SHARED_SCALE),
      Map.entry("Flatten", Role.SHARED_SCALE),
      Map.entry("Reshape", Role.SHARED_SCALE),
      Map.entry("Identity", Role.SHARED_SCALE),
      Map.entry("Dropout", Role.SHARED_SCALE),
      Map.entry("GlobalAveragePool", Role.OWN_SCALE),
      Map.entry("AveragePool", Role.OWN_SCALE),
      Map.entry("BatchNormalization", Role.OWN_SCALE),
      Map.entry("Softmax", Role.FLOAT_OUTPUT));

  /** Per-axis DequantizeLinear, which per-channel weights need, came with opset 13. */
  static final long MIN_OPSET = 13;

  final GraphIndex index;
  private final Set<String> quantized = new LinkedHashSet<>();
  private final Map<String, String> sharesScaleOf = new LinkedHashMap<>();
  private final Map<String, float[]> clipBounds = new LinkedHashMap<>();
  private final List<String> floatNodes = new ArrayList<>();

  private QdqPlan(GraphIndex index) {
    this.index = index;
  }

  /**
   * Plans the model.
   *
   * @throws OnnxException listing every node that cannot be quantised, and why
   */
  static QdqPlan of(ModelProto model) {
    QdqPlan p = new QdqPlan(new GraphIndex(model.getGraph()));
    List<String> problems = new ArrayList<>();
    p.checkModel(model, problems);
    if (problems.isEmpty()) {
      for (int i = 0; i < model.getGraph().getNodeCount(); i++) {
        p.check(model.getGraph().getNode(i), i, problems);
      }
    }
    if (!problems.isEmpty()) {
      throw new OnnxException("cannot quantise to INT8: " + String.join("; ", problems)
          + ". Supported: " + String.join(", ", new TreeSet<>(ROLES.keySet()))
          + " (a batch-norm is folded into the Conv before it)");
    }
    p.place();
    return p;
  }

  /** The role of a node the plan accepted. */
  static Role role(NodeProto node) {
    return ROLES.get(node.getOpType());
  }

  /** True when the value is carried as 8-bit (a Q after its producer, a DQ before each reader). */
  boolean isQuantized(String value) {
    return quantized.contains(value);
  }

  /** Every 8-bit value, inputs first, then in graph order. */
  Set<String> quantized() {
    return quantized;
  }

  /** The value whose scale and zero point this one reuses, or itself. */
  String scaleSource(String value) {
    String s = value;
    while (sharesScaleOf.containsKey(s)) {
      s = sharesScaleOf.get(s);
    }
    return s;
  }

  /** The values whose range calibration must measure (those that do not share another's). */
  List<String> calibrated() {
    List<String> out = new ArrayList<>();
    for (String v : quantized) {
      if (!sharesScaleOf.containsKey(v)) {
        out.add(v);
      }
    }
    return out;
  }

  /** The Clip bounds {@code [lo, hi]} that cut the value's range, or null. */
  float[] clipBounds(String value) {
    return clipBounds.get(value);
  }

  /** Nodes that stay in float between a DQ and a Q (a batch-norm with no conv before it). */
  List<String> floatNodes() {
    return floatNodes;
  }

  private void checkModel(ModelProto model, List<String> problems) {
    long opset = -1;
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        opset = o.getVersion();
      }
    }
    if (opset < MIN_OPSET) {
      problems.add("the model uses opset " + opset + "; per-channel INT8 needs opset " + MIN_OPSET
          + " or newer (ke-bridge exports 17)");
    }
    List<ValueInfoProto> inputs = index.inputs();
    if (inputs.size() != 1 || inputs.get(0).getType().getTensorType().getElemType()
        != TensorProto.DataType.FLOAT_VALUE) {
      problems.add("the model needs exactly one float32 image input, it has "
          + inputs.stream().map(ValueInfoProto::getName).toList());
    }
    for (NodeProto n : model.getGraph().getNodeList()) {
      if (n.getOpType().equals("QuantizeLinear") || n.getOpType().equals("DequantizeLinear")
          || n.getOpType().startsWith("QLinear")) {
        problems.add("the model is quantised already (" + n.getOpType() + " nodes); quantise the"
            + " float model");
        return;
      }
    }
  }

  private void check(NodeProto n, int i, List<String> problems) {
    String where = GraphIndex.describe(n, i);
    boolean standard = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
    Role role = standard ? ROLES.get(n.getOpType()) : null;
    if (role == null) {
      problems.add(where + " has no INT8 form in ke-bridge");
      return;
    }
    if (n.getInputCount() == 0 || n.getInput(0).isEmpty() || index.isInitializer(n.getInput(0))) {
      problems.add(where + " must read an activation as its first input");
      return;
    }
    switch (role) {
      case WEIGHTED -> checkWeighted(n, where, problems);
      case MULTI_INPUT -> {
        for (String in : n.getInputList()) {
          if (in.isEmpty() || index.isInitializer(in)) {
            problems.add(where + " combines an activation with a constant (" + in + "); only"
                + " activations can be added or concatenated in INT8");
          }
        }
      }
      default -> {
        for (int k = 1; k < n.getInputCount(); k++) {
          String in = n.getInput(k);
          if (!in.isEmpty() && !index.isInitializer(in)) {
            problems.add(where + " computes its input " + k + " (" + in + ") at run time; only"
                + " constants stored in the file are supported there");
          }
        }
      }
    }
    for (int k = 1; k < n.getOutputCount(); k++) {
      String out = n.getOutput(k);
      if (!out.isEmpty() && (!index.consumers(out).isEmpty() || index.isGraphOutput(out))) {
        problems.add(where + " has its output " + k + " (" + out + ") in use; only the first"
            + " output of a node can be quantised");
      }
    }
    switch (n.getOpType()) {
      case "BatchNormalization" -> {
        if (GraphIndex.intAttribute(n, "training_mode", 0) != 0) {
          problems.add(where + " runs in training mode; export the model in inference mode");
        }
      }
      case "Dropout" -> {
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()
            && !allZero(index.initializer(n.getInput(2)))) {
          problems.add(where + " runs in training mode (training_mode true)");
        }
      }
      case "Clip" -> checkClip(n, where, problems);
      case "Softmax" -> {
        if (!index.consumers(n.getOutput(0)).isEmpty()) {
          problems.add(where + " feeds other nodes; Softmax stays float and is supported only on"
              + " the model's outputs (probs from the float logits)");
        }
      }
      default -> { }
    }
  }

  private void checkWeighted(NodeProto n, String where, List<String> problems) {
    TensorProto w = n.getInputCount() > 1 ? index.initializer(n.getInput(1)) : null;
    if (w == null || w.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
      problems.add(where + " needs its weight as a float32 constant stored in the file");
      return;
    }
    int[] ws = TensorProtos.shape(w);
    boolean gemm = n.getOpType().equals("Gemm");
    if (gemm && (ws.length != 2 || GraphIndex.intAttribute(n, "transA", 0) != 0)) {
      problems.add(where + " needs a 2-D weight and transA 0");
      return;
    }
    if (!gemm && ws.length < 3) {
      problems.add(where + " needs a weight [out, in/groups, k...], got " + ws.length + " dims");
      return;
    }
    int out = gemm && GraphIndex.intAttribute(n, "transB", 0) == 0 ? ws[1] : ws[0];
    if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
      TensorProto b = index.initializer(n.getInput(2));
      if (b == null || b.getDataType() != TensorProto.DataType.FLOAT_VALUE
          || TensorProtos.shape(b).length != 1 || TensorProtos.shape(b)[0] != out) {
        problems.add(where + " needs its bias as a float32 constant of " + out + " values");
      } else if (gemm && GraphIndex.attribute(n, "beta") != null
          && GraphIndex.attribute(n, "beta").getF() != 1f) {
        problems.add(where + " has beta " + GraphIndex.attribute(n, "beta").getF()
            + "; an INT8 Gemm adds its bias with beta 1");
      }
    }
  }

  private void checkClip(NodeProto n, String where, List<String> problems) {
    float lo = Float.NEGATIVE_INFINITY;
    float hi = Float.POSITIVE_INFINITY;
    for (int k = 1; k <= 2 && k < n.getInputCount(); k++) {
      if (n.getInput(k).isEmpty()) {
        continue;
      }
      TensorProto t = index.initializer(n.getInput(k));
      float[] v = t == null || t.getDataType() != TensorProto.DataType.FLOAT_VALUE
          ? null : TensorProtos.toFloats(t);
      if (v == null || v.length != 1) {
        problems.add(where + " needs its " + (k == 1 ? "min" : "max") + " as a float32 scalar");
        return;
      }
      if (k == 1) {
        lo = v[0];
      } else {
        hi = v[0];
      }
    }
    clipBounds.put(n.getOutput(0), new float[] {lo, hi});
  }

  /** Places the Q and DQ nodes: which values are 8-bit and whose scale each one reuses. */
  private void place() {
    for (ValueInfoProto in : index.inputs()) {
      quantized.add(in.getName());
    }
    for (NodeProto n : index.graph.getNodeList()) {
      Role role = role(n);
      String out = n.getOutput(0);
      if (role == Role.OWN_SCALE && n.getOpType().equals("BatchNormalization")) {
        floatNodes.add(n.getName().isEmpty() ? out : n.getName());
      }
      if (role == Role.FLOAT_OUTPUT || index.isGraphOutput(out)) {
        continue; // the model's outputs stay float32, so QGemm writes float logits directly
      }
      List<NodeProto> readers = index.consumers(out);
      if (readers.isEmpty()) {
        continue;
      }
      if (readers.size() == 1 && role(readers.get(0)) == Role.ACTIVATION
          && readers.get(0).getInput(0).equals(out)) {
        continue; // the ReLU or Clip reads it in float; the Q comes after the activation
      }
      quantized.add(out);
      if (role == Role.SHARED_SCALE && quantized.contains(n.getInput(0))) {
        sharesScaleOf.put(out, n.getInput(0));
      }
    }
    clipBounds.keySet().retainAll(quantized);
  }

  private static boolean allZero(TensorProto t) {
    if (t == null) {
      return false;
    }
    for (byte b : t.getRawData().toByteArray()) {
      if (b != 0) {
        return false;
      }
    }
    for (int v : t.getInt32DataList()) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }
}
