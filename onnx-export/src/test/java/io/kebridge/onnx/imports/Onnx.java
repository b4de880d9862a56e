package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.kebridge.onnx.graph.TensorProtos;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * ONNX graphs written node by node for the importer's tests, in the forms other exporters use at
 * any opset (attributes or inputs, initializers listed as inputs for IR 3) and, for the hostile
 * file tests, in forms no exporter should write (cycles, lying dimensions). Nothing is checked
 * here: that is the importer's job.
 */
final class Onnx {
  private final GraphProto.Builder g = GraphProto.newBuilder().setName("hand");
  private final SplittableRandom random;
  private final List<TensorProto> weights = new ArrayList<>();

  Onnx(long seed) {
    random = new SplittableRandom(seed);
  }

  /** A float32 input; a dimension of -1 is the symbolic batch {@code N}. */
  Onnx input(String name, long... dims) {
    g.addInput(info(name, TensorProto.DataType.FLOAT_VALUE, dims));
    return this;
  }

  static ValueInfoProto info(String name, int type, long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
          : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(s))).build();
  }

  /** A float32 weight of random values in [-scale, scale]. */
  String weight(String name, double scale, long... dims) {
    float[] v = new float[(int) count(dims)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
    }
    return weight(name, v, dims);
  }

  /** A float32 weight of positive random values in [0.5, 1.5] (batch-norm scales, variances). */
  String positive(String name, long... dims) {
    float[] v = new float[(int) count(dims)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (0.5 + random.nextDouble());
    }
    return weight(name, v, dims);
  }

  String weight(String name, float[] values, long... dims) {
    TensorProto.Builder t = TensorProtos.floats(name, new int[] {values.length}, values)
        .toBuilder().clearDims();
    for (long d : dims) {
      t.addDims(d);
    }
    g.addInitializer(t);
    weights.add(t.build());
    return name;
  }

  /** An int64 initializer of one dimension. */
  String ints(String name, long... values) {
    g.addInitializer(TensorProtos.int64s(name, values));
    return name;
  }

  /** A node with one output named after the node. */
  String node(String op, String name, List<String> inputs, AttributeProto... attrs) {
    return node(op, name, inputs, List.of(name + ":0"), attrs);
  }

  String node(String op, String name, List<String> inputs, List<String> outputs,
      AttributeProto... attrs) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name)
        .addAllInput(inputs).addAllOutput(outputs);
    for (AttributeProto a : attrs) {
      n.addAttribute(a);
    }
    g.addNode(n);
    return outputs.get(0);
  }

  /** A Constant node holding {@code t}. */
  String constant(String name, TensorProto t) {
    return node("Constant", name, List.of(), tensor("value", t));
  }

  /** Declares a graph output (float32, shape left to the runtime). */
  Onnx output(String name) {
    g.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder()
            .setElemType(TensorProto.DataType.FLOAT_VALUE))));
    return this;
  }

  /** Lists every weight as a graph input too, as IR 3 files do. */
  Onnx weightsAsInputs() {
    for (TensorProto t : weights) {
      long[] d = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
      g.addInput(info(t.getName(), t.getDataType(), d));
    }
    return this;
  }

  GraphProto.Builder graph() {
    return g;
  }

  ModelProto model(long ir, long opset) {
    return ModelProto.newBuilder().setIrVersion(ir).setProducerName("hand")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setGraph(g).build();
  }

  static long count(long... dims) {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  static AttributeProto i(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT)
        .setI(v).build();
  }

  static AttributeProto f(String name, float v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
        .setF(v).build();
  }

  static AttributeProto is(String name, long... v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name)
        .setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }

  static AttributeProto s(String name, String v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFromUtf8(v)).build();
  }

  static AttributeProto tensor(String name, TensorProto t) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR)
        .setT(t).build();
  }

  /** An int64 tensor of any shape (for Constant nodes). */
  static TensorProto int64(long[] dims, long... values) {
    TensorProto.Builder t = TensorProtos.int64s("", values).toBuilder().clearDims();
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  /** A float32 scalar tensor (for Constant nodes and ConstantOfShape values). */
  static TensorProto scalar(float v) {
    return TensorProtos.floats("", new int[0], new float[] {v});
  }
}
