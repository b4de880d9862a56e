package io.kebridge.onnx.imports;

import static io.kebridge.onnx.graph.GraphBuilder.attr;
import static io.kebridge.onnx.graph.GraphBuilder.ints;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import io.kebridge.onnx.graph.GraphBuilder;
import io.kebridge.onnx.graph.TensorProtos;
import java.util.List;
import java.util.SplittableRandom;

/**
 * ONNX models written by hand in the style of other exporters (PyTorch-like weight names, Gemm
 * without transB, MatMul + Add, ReduceMean, Reshape, Constant nodes), for the importer's tests.
 */
final class HandBuiltModels {
  private HandBuiltModels() {}

  /** Every operator the importer supports, in one small two-branch network on 2x8x8 inputs. */
  static ModelProto everySupportedOperator() {
    SplittableRandom r = new SplittableRandom(5);
    GraphBuilder g = new GraphBuilder("torch_jit");
    g.input("x", "N", 2, 8, 8);
    String w1 = g.initializer("stem.conv.weight", new int[] {4, 2, 3, 3}, random(r, 72, 0.4));
    String b1 = g.initializer("stem.conv.bias", new int[] {4}, random(r, 4, 0.1));
    String c1 = g.node("Conv", "/stem/conv/Conv", List.of("x", w1, b1), List.of("c1"),
        ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), ints("strides", 1, 1));
    String bn = g.node("BatchNormalization", "/stem/bn/BatchNormalization",
        List.of(c1,
            g.initializer("stem.bn.weight", new int[] {4}, positive(r, 4)),
            g.initializer("stem.bn.bias", new int[] {4}, random(r, 4, 0.1)),
            g.initializer("stem.bn.running_mean", new int[] {4}, random(r, 4, 0.2)),
            g.initializer("stem.bn.running_var", new int[] {4}, positive(r, 4))),
        List.of("bn"), attr("epsilon", 1e-3f), attr("momentum", 0.9f));
    String relu = g.node("Relu", "/stem/relu/Relu", List.of(bn), List.of("relu"));
    String pool = g.node("MaxPool", "/stem/pool/MaxPool", List.of(relu), List.of("pool"),
        ints("kernel_shape", 3, 3), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1));
    String w2 = g.initializer("block.conv.weight", new int[] {4, 4, 3, 3}, random(r, 144, 0.3));
    String c2 = g.node("Conv", "/block/conv/Conv", List.of(pool, w2), List.of("c2"),
        ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1));
    String id = g.node("Identity", "/block/Identity", List.of(c2), List.of("c2_id"));
    String sum = g.node("Add", "/block/Add", List.of(id, pool), List.of("sum"));
    String gap = g.node("GlobalAveragePool", "/head/GlobalAveragePool", List.of(sum),
        List.of("gap"));
    String flat = g.node("Flatten", "/head/Flatten", List.of(gap), List.of("flat"),
        attr("axis", 1L));
    String mean = g.node("ReduceMean", "/head/ReduceMean", List.of(sum), List.of("mean"),
        ints("axes", 2, 3), attr("keepdims", 1L));
    String shape = g.int64Initializer("reshape_shape", 0, -1);
    String reshaped = g.node("Reshape", "/head/Reshape", List.of(mean, shape), List.of("reshaped"));
    String both = g.node("Add", "/head/Add", List.of(flat, reshaped), List.of("both"));
    String gw = g.initializer("hidden.weight", new int[] {4, 6}, random(r, 24, 0.5));
    String gb = g.initializer("hidden.bias", new int[] {6}, random(r, 6, 0.1));
    String hidden = g.node("Gemm", "/hidden/Gemm", List.of(both, gw, gb), List.of("hidden"));
    String hr = g.node("Relu", "/hidden/Relu", List.of(hidden), List.of("hidden_relu"));
    String mw = g.initializer("out.weight", new int[] {6, 3}, random(r, 18, 0.5));
    String mm = g.node("MatMul", "/out/MatMul", List.of(hr, mw), List.of("mm"));
    String bias = g.node("Constant", "/out/Constant", List.of(), List.of("out_bias"),
        AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
            .setT(TensorProtos.floats("", new int[] {3}, random(r, 3, 0.1))).build());
    g.node("Add", "/out/Add", List.of(mm, bias), List.of("logits"));
    g.node("Softmax", "/Softmax", List.of("logits"), List.of("probs"), attr("axis", 1L));
    g.output("logits", "N", 3);
    g.output("probs", "N", 3);
    return model(g);
  }

  /**
   * The style of older or other exporters: weights in {@code float_data} instead of {@code
   * raw_data}, initialisers also listed as graph inputs (IR 3), opset 18 whose ReduceMean takes its
   * axes as an input, ReduceMean without keepdims feeding MatMul, and a Dropout left in.
   */
  static ModelProto olderExporterStyle() {
    SplittableRandom r = new SplittableRandom(8);
    GraphBuilder g = new GraphBuilder("legacy");
    g.input("data", "batch_size", 3, 6, 6);
    ai.onnx.proto.OnnxMl.GraphProto.Builder graph = ai.onnx.proto.OnnxMl.GraphProto.newBuilder();
    String w = g.initializer("features.0.weight", new int[] {5, 3, 3, 3}, random(r, 135, 0.3));
    String c = g.node("Conv", "", List.of("data", w), List.of("conv_out"),
        ints("kernel_shape", 3, 3), ints("strides", 2, 2));
    String relu = g.node("Relu", "", List.of(c), List.of("onnx::Relu_7"));
    String drop = g.node("Dropout", "", List.of(relu), List.of("drop_out"));
    String axes = g.int64Initializer("axes", -2, -1);
    String mean = g.node("ReduceMean", "", List.of(drop, axes), List.of("mean_out"),
        attr("keepdims", 0L));
    String m = g.initializer("classifier.weight", new int[] {5, 4}, random(r, 20, 0.5));
    g.node("MatMul", "", List.of(mean, m), List.of("output"));
    g.output("output", "batch_size", 4);
    ai.onnx.proto.OnnxMl.GraphProto built = g.build();
    graph.mergeFrom(built).clearInitializer();
    for (var t : built.getInitializerList()) {
      var b = t.toBuilder();
      if (t.getDataType() == ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT_VALUE) {
        b.clearRawData();
        for (float v : TensorProtos.toFloats(t)) {
          b.addFloatData(v);
        }
        graph.addInput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName(t.getName())
            .setType(ai.onnx.proto.OnnxMl.TypeProto.newBuilder().setTensorType(
                ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1)
                    .setShape(shape(t.getDimsList())))));
      }
      graph.addInitializer(b);
    }
    return ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(18))
        .setGraph(graph)
        .build();
  }

  private static ai.onnx.proto.OnnxMl.TensorShapeProto shape(List<Long> dims) {
    var s = ai.onnx.proto.OnnxMl.TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return s.build();
  }

  /** A small model with two operators ke-bridge cannot import. */
  static ModelProto withUnsupportedOperators() {
    SplittableRandom r = new SplittableRandom(6);
    GraphBuilder g = new GraphBuilder("other");
    g.input("x", "N", 1, 4, 4);
    String w = g.initializer("conv.weight", new int[] {2, 1, 3, 3}, random(r, 18, 0.5));
    String c = g.node("Conv", "conv", List.of("x", w), List.of("c"), ints("pads", 1, 1, 1, 1));
    String s = g.node("Sigmoid", "gate", List.of(c), List.of("s"));
    String p = g.node("Resize", "up", List.of(s), List.of("p"));
    g.node("GlobalAveragePool", "gap", List.of(p), List.of("logits"));
    g.output("logits", "N", 2, 1, 1);
    return model(g);
  }

  private static ModelProto model(GraphBuilder g) {
    return ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
        .setProducerName("hand")
        .setGraph(g.build())
        .build();
  }

  private static float[] random(SplittableRandom r, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return v;
  }

  private static float[] positive(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (0.5 + r.nextDouble());
    }
    return v;
  }
}
