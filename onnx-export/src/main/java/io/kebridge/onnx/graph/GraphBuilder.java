package io.kebridge.onnx.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.kebridge.onnx.OnnxException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A small builder for ONNX graphs on top of the generated message classes: float32 inputs and
 * outputs with an optional symbolic batch dimension, float initialisers and nodes with attributes.
 * It checks what ONNX Runtime would reject late (a value produced twice, a node reading a value
 * that does not exist yet) so that a mistake names the node that made it.
 */
public final class GraphBuilder {
  private final GraphProto.Builder graph;
  private final Set<String> values = new HashSet<>();
  private final Set<String> nodeNames = new HashSet<>();

  /** A graph with this name (informational, shown by viewers such as Netron). */
  public GraphBuilder(String name) {
    this.graph = GraphProto.newBuilder().setName(name);
  }

  /**
   * Declares a float32 graph input.
   *
   * @param batchParam the symbolic name of a leading dynamic dimension, or null for none
   * @param dims the remaining, fixed dimensions
   */
  public GraphBuilder input(String name, String batchParam, int... dims) {
    define(name, "graph input");
    graph.addInput(valueInfo(name, batchParam, dims));
    return this;
  }

  /** Declares a float32 graph output (a value some node produces). */
  public GraphBuilder output(String name, String batchParam, int... dims) {
    if (!values.contains(name)) {
      throw new OnnxException("graph output " + name + " is not produced by any node");
    }
    graph.addOutput(valueInfo(name, batchParam, dims));
    return this;
  }

  /** Declares a graph input exactly as another graph declares it (any type and shape). */
  public GraphBuilder input(ValueInfoProto value) {
    define(value.getName(), "graph input");
    graph.addInput(value);
    return this;
  }

  /** Declares a graph output exactly as another graph declares it; some node must produce it. */
  public GraphBuilder output(ValueInfoProto value) {
    if (!values.contains(value.getName())) {
      throw new OnnxException("graph output " + value.getName() + " is not produced by any node");
    }
    graph.addOutput(value);
    return this;
  }

  /** Adds an initialiser of any type (quantised weights, scales) and returns its name. */
  public String initializer(TensorProto tensor) {
    define(tensor.getName(), "initializer");
    graph.addInitializer(tensor);
    return tensor.getName();
  }

  /** Adds a float32 initialiser (a weight) and returns its name. */
  public String initializer(String name, int[] shape, float[] data) {
    define(name, "initializer");
    graph.addInitializer(TensorProtos.floats(name, shape, data));
    return name;
  }

  /** Adds an int64 initialiser (a shape or axes) and returns its name. */
  public String int64Initializer(String name, long... data) {
    define(name, "initializer");
    graph.addInitializer(TensorProtos.int64s(name, data));
    return name;
  }

  /**
   * Adds a node of the default domain.
   *
   * @param name the node's name, unique, or empty for an unnamed node
   * @param inputs names of values defined before; an empty string stands for an omitted optional
   *     input
   * @return the name of the node's first output, for chaining
   */
  public String node(
      String opType, String name, List<String> inputs, List<String> outputs,
      AttributeProto... attributes) {
    // ONNX allows unnamed nodes; names that are given must be unique
    if (!name.isEmpty() && !nodeNames.add(name)) {
      throw new OnnxException("two nodes are named " + name);
    }
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(name);
    for (String in : inputs) {
      if (!in.isEmpty() && !values.contains(in)) {
        throw new OnnxException(
            "node " + name + " (" + opType + ") reads " + in + ", which is not defined before it");
      }
      n.addInput(in);
    }
    for (String out : outputs) {
      define(out, "output of node " + name);
      n.addOutput(out);
    }
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return outputs.get(0);
  }

  /** Sets the documentation string of the node added last (free text readers may show). */
  public GraphBuilder documentLast(String text) {
    int last = graph.getNodeCount() - 1;
    graph.setNode(last, graph.getNode(last).toBuilder().setDocString(text));
    return this;
  }

  /** True when a value of this name is already defined. */
  public boolean defines(String value) {
    return values.contains(value);
  }

  /** The finished graph. */
  public GraphProto build() {
    return graph.build();
  }

  /** An integer attribute. */
  public static AttributeProto attr(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  /** A float attribute. */
  public static AttributeProto attr(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  /** A string attribute. */
  public static AttributeProto string(String name, String value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.STRING)
        .setS(com.google.protobuf.ByteString.copyFromUtf8(value))
        .build();
  }

  /** A list-of-integers attribute. */
  public static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  private void define(String name, String what) {
    if (name == null || name.isEmpty()) {
      throw new OnnxException("every " + what + " needs a non-empty name");
    }
    if (!values.add(name)) {
      throw new OnnxException("the value " + name + " is defined twice (again as " + what + ")");
    }
  }

  private static ValueInfoProto valueInfo(String name, String batchParam, int... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    if (batchParam != null) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batchParam));
    }
    for (int d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE)
                        .setShape(shape)))
        .build();
  }
}
