package io.kebridge.onnx.quantize;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Who produces and who reads each value of an ONNX graph, and its initialisers by name. */
final class GraphIndex {
  final GraphProto graph;
  private final Map<String, TensorProto> initializers = new HashMap<>();
  private final Map<String, List<NodeProto>> consumers = new HashMap<>();
  private final Map<String, NodeProto> producers = new HashMap<>();
  private final Set<String> outputs = new HashSet<>();
  private final List<ValueInfoProto> inputs = new ArrayList<>();

  GraphIndex(GraphProto graph) {
    this.graph = graph;
    for (TensorProto t : graph.getInitializerList()) {
      initializers.put(t.getName(), t);
    }
    for (NodeProto n : graph.getNodeList()) {
      for (String out : n.getOutputList()) {
        producers.put(out, n);
      }
      for (String in : n.getInputList()) {
        if (!in.isEmpty()) {
          consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        }
      }
    }
    for (ValueInfoProto o : graph.getOutputList()) {
      outputs.add(o.getName());
    }
    for (ValueInfoProto v : graph.getInputList()) {
      if (!initializers.containsKey(v.getName())) {
        inputs.add(v);
      }
    }
  }

  /** The graph inputs that are not initialisers (IR 3 files list weights as inputs too). */
  List<ValueInfoProto> inputs() {
    return inputs;
  }

  boolean isInitializer(String value) {
    return initializers.containsKey(value);
  }

  /** The initialiser of that name, or null. */
  TensorProto initializer(String value) {
    return initializers.get(value);
  }

  /** The nodes reading the value, in graph order (a node reading it twice is listed twice). */
  List<NodeProto> consumers(String value) {
    return consumers.getOrDefault(value, List.of());
  }

  /** The node that computes the value, or null for inputs, initialisers and unknown names. */
  NodeProto producer(String value) {
    return producers.get(value);
  }

  /** True when some input, initialiser or node output already has this name. */
  boolean defines(String value) {
    return producers.containsKey(value) || initializers.containsKey(value)
        || inputs.stream().anyMatch(v -> v.getName().equals(value));
  }

  boolean isGraphOutput(String value) {
    return outputs.contains(value);
  }

  /** The attribute of that name, or null. */
  static AttributeProto attribute(NodeProto node, String name) {
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a;
      }
    }
    return null;
  }

  /** An integer attribute, or the default when it is absent. */
  static long intAttribute(NodeProto node, String name, long fallback) {
    AttributeProto a = attribute(node, name);
    return a == null ? fallback : a.getI();
  }

  /** How to name a node in a message: {@code 'conv1' (Conv)}, or its position when unnamed. */
  static String describe(NodeProto node, int index) {
    String name = node.getName().isEmpty() ? "#" + index : "'" + node.getName() + "'";
    return "node " + name + " (" + (node.getDomain().isEmpty() ? "" : node.getDomain() + ".")
        + node.getOpType() + ")";
  }
}
