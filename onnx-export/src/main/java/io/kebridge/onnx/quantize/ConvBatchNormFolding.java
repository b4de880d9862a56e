package io.kebridge.onnx.quantize;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.kebridge.onnx.export.BatchNormFolding;
import io.kebridge.onnx.graph.TensorProtos;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds every inference-mode BatchNormalization that reads a Conv (and nothing else reads that
 * Conv) into the Conv's weight and bias, on the ONNX graph itself, so that graphs exported without
 * {@code --fold-batchnorm}, or made by other tools, quantise as one integer convolution. The
 * arithmetic is {@link BatchNormFolding#foldChannels}, the exporter's own.
 */
final class ConvBatchNormFolding {
  private ConvBatchNormFolding() {}

  /** A model after folding, and how many batch-norms went. */
  record Result(ModelProto model, int folded) {}

  static Result fold(ModelProto model) {
    GraphIndex index = new GraphIndex(model.getGraph());
    Map<String, NodeProto> bnOfConv = new HashMap<>();
    for (NodeProto n : model.getGraph().getNodeList()) {
      if (foldable(n, index)) {
        bnOfConv.put(n.getInput(0), n);
      }
    }
    if (bnOfConv.isEmpty()) {
      return new Result(model, 0);
    }
    GraphProto.Builder g = model.getGraph().toBuilder().clearNode().clearInitializer();
    Map<String, TensorProto> replaced = new HashMap<>();
    Set<String> dropped = new HashSet<>();
    Set<NodeProto> foldedBns = new HashSet<>(bnOfConv.values());
    for (NodeProto n : model.getGraph().getNodeList()) {
      if (foldedBns.contains(n)) {
        continue;
      }
      NodeProto bn = n.getOpType().equals("Conv") && n.getOutputCount() == 1
          ? bnOfConv.get(n.getOutput(0)) : null;
      if (bn == null) {
        g.addNode(n);
        continue;
      }
      TensorProto w = index.initializer(n.getInput(1));
      String biasName = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? n.getInput(2) : null;
      float[] bias = biasName == null ? null : TensorProtos.toFloats(index.initializer(biasName));
      AttributeProto eps = GraphIndex.attribute(bn, "epsilon");
      BatchNormFolding.Folded f = BatchNormFolding.foldChannels(TensorProtos.toFloats(w), bias,
          floats(index, bn, 1), floats(index, bn, 2), floats(index, bn, 3), floats(index, bn, 4),
          // the attribute is float32: use the decimal it was written from (1e-5, not 9.99999974e-6)
          eps == null ? 1e-5 : Double.parseDouble(Float.toString(eps.getF())));
      // the folded conv writes the batch-norm's output, so every reader stays as it was
      String newBias = biasName != null ? biasName : freshBiasName(index, w.getName());
      replaced.put(w.getName(),
          TensorProtos.floats(w.getName(), TensorProtos.shape(w), f.weight()));
      replaced.put(newBias, TensorProtos.floats(newBias, new int[] {f.bias().length}, f.bias()));
      for (int i = 1; i <= 4; i++) {
        dropped.add(bn.getInput(i));
      }
      NodeProto.Builder conv = n.toBuilder().clearInput().clearOutput()
          .addInput(n.getInput(0)).addInput(n.getInput(1)).addInput(newBias)
          .addOutput(bn.getOutput(0));
      g.addNode(conv);
    }
    Set<String> used = new HashSet<>();
    for (NodeProto n : g.getNodeList()) {
      used.addAll(n.getInputList());
    }
    for (TensorProto t : model.getGraph().getInitializerList()) {
      if (replaced.containsKey(t.getName())) {
        g.addInitializer(replaced.remove(t.getName()));
      } else if (!dropped.contains(t.getName()) || used.contains(t.getName())) {
        g.addInitializer(t);
      }
    }
    g.addAllInitializer(replaced.values()); // new biases of convs that had none
    return new Result(model.toBuilder().setGraph(g).build(), foldedBns.size());
  }

  /** A batch-norm in inference mode on a Conv that nothing else reads, all parameters constant. */
  private static boolean foldable(NodeProto bn, GraphIndex index) {
    if (!bn.getOpType().equals("BatchNormalization") || !bn.getDomain().isEmpty()
        || GraphIndex.intAttribute(bn, "training_mode", 0) != 0 || bn.getInputCount() != 5) {
      return false;
    }
    for (int i = 1; i < bn.getOutputCount(); i++) {
      if (!bn.getOutput(i).isEmpty()) {
        return false;
      }
    }
    for (int i = 1; i <= 4; i++) {
      if (!isFloat(index.initializer(bn.getInput(i)))) {
        return false;
      }
    }
    String x = bn.getInput(0);
    List<NodeProto> readers = index.consumers(x);
    if (readers.size() != 1 || index.isGraphOutput(x)) {
      return false;
    }
    NodeProto conv = index.producer(x);
    if (conv == null || !conv.getOpType().equals("Conv") || !conv.getDomain().isEmpty()
        || conv.getInputCount() < 2 || !isFloat(index.initializer(conv.getInput(1)))) {
      return false;
    }
    boolean hasBias = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty();
    if (hasBias && !isFloat(index.initializer(conv.getInput(2)))) {
      return false;
    }
    // a weight shared with another node must keep its values
    if (index.consumers(conv.getInput(1)).size() != 1
        || hasBias && index.consumers(conv.getInput(2)).size() != 1) {
      return false;
    }
    TensorProto w = index.initializer(conv.getInput(1));
    int channels = TensorProtos.shape(index.initializer(bn.getInput(1))).length == 1
        ? TensorProtos.shape(index.initializer(bn.getInput(1)))[0] : -1;
    return w.getDimsCount() >= 1 && w.getDims(0) == channels;
  }

  /** {@code conv1.bias} for the weight {@code conv1.weight}, else a name nothing uses yet. */
  private static String freshBiasName(GraphIndex index, String weight) {
    String base = weight.endsWith(".weight")
        ? weight.substring(0, weight.length() - ".weight".length()) + ".bias"
        : weight + "_bias";
    String name = base;
    for (int i = 2; index.defines(name); i++) {
      name = base + "_" + i;
    }
    return name;
  }

  private static boolean isFloat(TensorProto t) {
    return t != null && t.getDataType() == TensorProto.DataType.FLOAT_VALUE;
  }

  private static float[] floats(GraphIndex index, NodeProto bn, int input) {
    return TensorProtos.toFloats(index.initializer(bn.getInput(input)));
  }
}
