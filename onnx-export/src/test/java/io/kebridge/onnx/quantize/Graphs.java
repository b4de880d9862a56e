package io.kebridge.onnx.quantize;

import static io.kebridge.onnx.graph.GraphBuilder.attr;
import static io.kebridge.onnx.graph.GraphBuilder.ints;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import io.kebridge.onnx.OnnxFormat;
import io.kebridge.onnx.graph.GraphBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/**
 * Float ONNX graphs written by hand with {@link GraphBuilder}, one per layer the quantiser
 * supports (grouped and depthwise convolutions, average pooling, ReLU6 and Concat included, which
 * the exporter does not write yet), each between the image input and a classifier head
 * (GlobalAveragePool, Flatten, Gemm, Softmax) as exported models end.
 */
final class Graphs {
  static final int CHANNELS = 4;
  static final int SIZE = 8;
  static final int CLASSES = 5;

  private final GraphBuilder g = new GraphBuilder("hand");
  private final SplittableRandom random;
  private int count;

  private Graphs(long seed) {
    this.random = new SplittableRandom(seed);
    g.input(OnnxFormat.INPUT, OnnxFormat.BATCH_DIM, CHANNELS, SIZE, SIZE);
  }

  /**
   * A model whose body is {@code body(graph, "input")} (returning its last value, a {@code
   * [batch, C, h, w]} map), followed by the classifier head.
   */
  static ModelProto of(long seed, BiFunction<Graphs, String, String> body) {
    Graphs b = new Graphs(seed);
    String x = body.apply(b, OnnxFormat.INPUT);
    int c = b.channelsOf(x);
    String gap = b.g.node("GlobalAveragePool", "head/gap", List.of(x), List.of("head/gap"));
    String flat = b.g.node("Flatten", "head/flatten", List.of(gap), List.of("head/flat"),
        attr("axis", 1L));
    b.g.node("Gemm", "fc", List.of(flat, b.weight("fc.weight", CLASSES, c),
        b.bias("fc.bias", CLASSES)), List.of(OnnxFormat.LOGITS), attr("transB", 1L));
    b.g.node("Softmax", "softmax", List.of(OnnxFormat.LOGITS), List.of(OnnxFormat.PROBS),
        attr("axis", -1L));
    b.g.output(OnnxFormat.LOGITS, OnnxFormat.BATCH_DIM, CLASSES);
    b.g.output(OnnxFormat.PROBS, OnnxFormat.BATCH_DIM, CLASSES);
    return model(b.g, 17);
  }

  static ModelProto model(GraphBuilder g, long opset) {
    return ModelProto.newBuilder()
        .setIrVersion(OnnxFormat.IR_VERSION)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setProducerName("hand")
        .setGraph(g.build())
        .build();
  }

  GraphBuilder builder() {
    return g;
  }

  private final java.util.Map<String, Integer> channels = new java.util.HashMap<>();

  int channelsOf(String value) {
    return channels.getOrDefault(value, CHANNELS);
  }

  /** A k x k convolution with bias, padding k/2, {@code groups} groups. */
  String conv(String x, int out, int k, int groups) {
    return conv(x, out, k, groups, 1f);
  }

  /** The same with He-normal weights times {@code gain} (to drive a ReLU6 into its ceiling). */
  String conv(String x, int out, int k, int groups, float gain) {
    String name = "conv" + (++count);
    int in = channelsOf(x);
    String w = weight(name + ".weight", gain, out, in / groups, k, k);
    String y = g.node("Conv", name, List.of(x, w, bias(name + ".bias", out)), List.of(name),
        ints("kernel_shape", k, k), ints("pads", k / 2, k / 2, k / 2, k / 2),
        ints("strides", 1, 1), attr("group", (long) groups));
    channels.put(y, out);
    return y;
  }

  /** Conv without bias followed by an inference-mode BatchNormalization. */
  String convBatchNorm(String x, int out) {
    String name = "conv" + (++count);
    String w = weight(name + ".weight", out, channelsOf(x), 3, 3);
    String c = g.node("Conv", name, List.of(x, w), List.of(name), ints("kernel_shape", 3, 3),
        ints("pads", 1, 1, 1, 1));
    String bn = batchNorm(c, out, "bn" + count);
    channels.put(bn, out);
    return bn;
  }

  String batchNorm(String x, int c, String name) {
    float[] gamma = new float[c];
    float[] var = new float[c];
    for (int i = 0; i < c; i++) {
      gamma[i] = (float) (0.5 + random.nextDouble());
      var[i] = (float) (0.5 + random.nextDouble());
    }
    String y = g.node("BatchNormalization", name, List.of(x,
        g.initializer(name + ".weight", new int[] {c}, gamma),
        g.initializer(name + ".bias", new int[] {c}, values(c, 0.2)),
        g.initializer(name + ".running_mean", new int[] {c}, values(c, 0.3)),
        g.initializer(name + ".running_var", new int[] {c}, var)),
        List.of(name), attr("epsilon", 1e-5f));
    channels.put(y, channelsOf(x));
    return y;
  }

  String relu(String x) {
    return same(x, g.node("Relu", "relu" + (++count), List.of(x), List.of("relu" + count)));
  }

  String relu6(String x) {
    String name = "relu6_" + (++count);
    return same(x, g.node("Clip", name, List.of(x,
        g.initializer(name + ".min", new int[0], new float[] {0f}),
        g.initializer(name + ".max", new int[0], new float[] {6f})), List.of(name)));
  }

  String add(String a, String b) {
    return same(a, g.node("Add", "add" + (++count), List.of(a, b), List.of("add" + count)));
  }

  String concat(String a, String b) {
    String y = g.node("Concat", "concat" + (++count), List.of(a, b), List.of("concat" + count),
        attr("axis", 1L));
    channels.put(y, channelsOf(a) + channelsOf(b));
    return y;
  }

  String maxPool(String x) {
    return same(x, g.node("MaxPool", "maxpool" + (++count), List.of(x), List.of("maxpool" + count),
        ints("kernel_shape", 2, 2), ints("strides", 2, 2)));
  }

  String averagePool(String x) {
    return same(x, g.node("AveragePool", "avgpool" + (++count), List.of(x),
        List.of("avgpool" + count), ints("kernel_shape", 2, 2), ints("strides", 2, 2)));
  }

  /** Flatten, Gemm to {@code hidden} features, ReLU: a dense layer inside the network. */
  String dense(String x, int hidden) {
    int n = channelsOf(x) * SIZE * SIZE;
    String flat = g.node("Flatten", "dense/flatten" + (++count), List.of(x),
        List.of("dense/flat" + count), attr("axis", 1L));
    String h = g.node("Gemm", "dense" + count, List.of(flat, weight("dense" + count + ".weight",
        hidden, n), bias("dense" + count + ".bias", hidden)), List.of("dense" + count),
        attr("transB", 1L));
    String r = relu(h);
    // back to a [batch, hidden, 1, 1] map for the shared head
    String shape = g.int64Initializer("dense/shape" + count, 0, hidden, 1, 1);
    String y = g.node("Reshape", "dense/reshape" + count, List.of(r, shape),
        List.of("dense/map" + count));
    channels.put(y, hidden);
    return y;
  }

  /** A node of any operator with one input and one output, for refusal tests. */
  String unary(String op, String x, AttributeProto... attributes) {
    return same(x, g.node(op, op.toLowerCase() + (++count), List.of(x),
        List.of(op.toLowerCase() + count), attributes));
  }

  private String same(String from, String to) {
    channels.put(to, channelsOf(from));
    return to;
  }

  /** He-normal weights (std sqrt(2 / fan_in)), so activations keep their scale layer to layer. */
  String weight(String name, int... shape) {
    return weight(name, 1f, shape);
  }

  String weight(String name, float gain, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    int fanIn = n / shape[0];
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (gain * gaussian() * Math.sqrt(2.0 / fanIn));
    }
    return g.initializer(name, shape, v);
  }

  String bias(String name, int n) {
    return g.initializer(name, new int[] {n}, values(n, 0.1));
  }

  private float[] values(int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
    }
    return v;
  }

  private double gaussian() {
    double u = 1.0 - random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
  }

  /**
   * {@code n} images of uniform noise in [-2, 2]: bounded like normalised pixels, so that ranges
   * calibrated on one draw cover another (Gaussian tails would saturate at random).
   */
  static float[][] images(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] x = new float[n][CHANNELS * SIZE * SIZE];
    for (float[] im : x) {
      for (int i = 0; i < im.length; i++) {
        im[i] = (float) (r.nextDouble() * 4 - 2);
      }
    }
    return x;
  }

  /** Every op type of the model's graph, in order. */
  static List<String> ops(ModelProto m) {
    List<String> ops = new ArrayList<>();
    m.getGraph().getNodeList().forEach(n -> ops.add(n.getOpType()));
    return ops;
  }
}
