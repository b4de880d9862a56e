package io.kebridge.training.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.Padding;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.testing.ReferenceForward;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The TF gradients of the layers KE trains through (grouped and depthwise convolutions,
 * concatenation, both average poolings, ReLU6, dropout; for imported networks local response
 * normalisation, padding by side and ceil-mode pooling) equal central finite differences of the
 * plain-Java reference forward: what {@code tf.gradients} trains is the function the spec means.
 */
class LayerGradientsTest {

  /** Every new layer type, no batch-norm (so inference and training compute the same). */
  private static NetworkSpec tiny() {
    return new NetworkSpec("grad", List.of(
        new Layer.Input("input", new ActivationShape(4, 5, 5)),
        new Layer.Conv2d("grouped", "input", 4, 6, 3, 1, 1, 2, true),
        new Layer.Relu6("r6", "grouped"),
        new Layer.Conv2d("dw", "r6", 6, 12, 3, 2, 1, 6, false),
        new Layer.AvgPool("avg.ex", "input", 3, 2, 1, false),
        new Layer.Concat("cat", List.of("dw", "avg.ex")),
        new Layer.AvgPool("avg.in", "cat", 2, 1, 1, true),
        new Layer.Flatten("flat", "avg.in"),
        new Layer.Dense("fc", "flat", 16 * 4 * 4, 3, true)), "fc");
  }

  private static float[] random(int n, long seed, double scale) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return v;
  }

  /** The loss {@code sum(c * logits)} by the reference forward, in double precision. */
  private static double referenceLoss(NetworkSpec spec, Weights w, float[] x, float[] c) {
    float[] y = ReferenceForward.logits(spec, w, x);
    double l = 0;
    for (int i = 0; i < y.length; i++) {
      l += (double) c[i] * y[i];
    }
    return l;
  }

  /**
   * What imported networks add: local response normalisation with attributes other than TF's
   * defaults, padding that differs by side and ceil-mode pooling (both divisors).
   */
  private static NetworkSpec imported() {
    List<Layer> layers = new ArrayList<>(List.of(
        new Layer.Input("input", new ActivationShape(3, 9, 9)),
        new Layer.Conv2d("asym", "input", 3, 6, 3, 2, new Padding(0, 1, 1, 2), 1, true),
        new Layer.Lrn("lrn", "asym", 3, 0.5, 0.75, 2.0),
        new Layer.MaxPool("max.ceil", "lrn", 2, 2, Padding.NONE, true),
        new Layer.Conv2d("conv", "max.ceil", 6, 5, 1, 1, 0, false),
        new Layer.AvgPool("avg.ceil.in", "conv", 2, 2, new Padding(1, 0, 0, 1), true, true),
        new Layer.AvgPool("avg.ceil.ex", "conv", 3, 2, Padding.of(1), false, true),
        new Layer.Flatten("flat.in", "avg.ceil.in"),
        new Layer.Flatten("flat.ex", "avg.ceil.ex"),
        new Layer.Concat("cat", List.of("flat.in", "flat.ex"))));
    int features = new NetworkSpec("probe", layers, "cat").shapeOf("cat").channels();
    layers.add(new Layer.Dense("fc", "cat", features, 3, true));
    return new NetworkSpec("grad-imported", layers, "fc");
  }

  /**
   * Convolutions whose output is one position (the graph builds them as a matrix product over the
   * taps that see the input): 3x3/2 with padding on 2x2, 3x3/1 "same" on 1x1, a 1x1/2 downsample
   * and a 3x3/2 with padding on the bottom and left only (its window starts inside the image).
   */
  private static NetworkSpec point() {
    return new NetworkSpec("point", List.of(
        new Layer.Input("input", new ActivationShape(3, 2, 2)),
        new Layer.Conv2d("down", "input", 3, 4, 3, 2, 1, true),
        new Layer.Conv2d("same", "down", 4, 5, 3, 1, 1, false),
        new Layer.Conv2d("skip", "input", 3, 5, 1, 2, 0, false),
        new Layer.Conv2d("asym", "input", 3, 5, 3, 2, new Padding(0, 1, 1, 0), 1, false),
        new Layer.Add("sum", List.of("same", "skip", "asym")),
        new Layer.Flatten("flat", "sum"),
        new Layer.Dense("fc", "flat", 5, 3, true)), "fc");
  }

  @Test
  void gradientsOfGroupedDepthwiseConcatPoolingAndRelu6MatchFiniteDifferences() {
    assertGradientsMatchFiniteDifferences(tiny());
  }

  @Test
  void gradientsOfLrnAsymmetricPaddingAndCeilModePoolingMatchFiniteDifferences() {
    assertGradientsMatchFiniteDifferences(imported());
  }

  @Test
  void gradientsOfConvolutionsOnOnePositionMatchFiniteDifferences() {
    assertGradientsMatchFiniteDifferences(point());
  }

  private static void assertGradientsMatchFiniteDifferences(NetworkSpec spec) {
    Weights w = WeightInit.randomized(spec, 3);
    float[] x = random((int) spec.input().shape().elements(), 4, 2);
    float[] c = random(3, 5, 1);
    List<ParamSpec> params = spec.params();
    List<float[]> grads = new ArrayList<>();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      NetworkGraph net = NetworkGraph.create(tf, spec);
      ActivationShape s = spec.input().shape();
      Placeholder<TFloat32> in = tf.placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(1, s.height(), s.width(), s.channels())));
      Operand<TFloat32> loss = tf.reduceSum(
          tf.math.mul(net.inference(in), tf.constant(new float[][] {c})),
          tf.constant(new int[] {0, 1}));
      Output<?>[] vars = params.stream().map(p -> net.variable(p.name()).asOutput())
          .toArray(Output<?>[]::new);
      Output<?>[] dw = g.addGradients(loss.asOutput(), vars);
      float[] nhwc = new float[x.length];
      TfLayouts.chwToHwc(x, s.channels(), s.height(), s.width(), nhwc, 0);
      try (Session session = new Session(g);
          TFloat32 image = TFloat32.tensorOf(Shape.of(1, s.height(), s.width(), s.channels()),
              DataBuffers.of(nhwc, true, false))) {
        net.load(session, w);
        Session.Runner r = session.runner().feed(in, image);
        for (Output<?> o : dw) {
          r.fetch(o);
        }
        try (Result res = r.run()) {
          for (int i = 0; i < params.size(); i++) {
            float[] v = new float[(int) params.get(i).elements()];
            res.get(i).asRawTensor().data().asFloats().read(v);
            grads.add(TfLayouts.fromTf(params.get(i), v));
          }
        }
      }
    }
    double h = 1e-3;
    for (int i = 0; i < params.size(); i++) {
      ParamSpec p = params.get(i);
      float[] base = w.get(p.name()).data();
      SplittableRandom pick = new SplittableRandom(i);
      double largest = 0;
      for (int trial = 0; trial < 12; trial++) {
        int j = pick.nextInt(base.length);
        double up = referenceLoss(spec, with(w, p, j, base[j] + h), x, c);
        double down = referenceLoss(spec, with(w, p, j, base[j] - h), x, c);
        double numeric = (up - down) / (2 * h);
        double analytic = grads.get(i)[j];
        assertEquals(numeric, analytic, 1e-2 * Math.max(1, Math.abs(numeric)),
            p.name() + "[" + j + "]");
        largest = Math.max(largest, Math.abs(numeric));
      }
      assertTrue(largest > 1e-2, p.name() + ": the checked gradients are all near zero");
    }
  }

  private static Weights with(Weights w, ParamSpec p, int j, double value) {
    float[] v = w.get(p.name()).data().clone();
    v[j] = (float) value;
    return w.with(new Tensor(p.name(), p.shape(), v));
  }

  @Test
  void dropoutIsSeededInTrainingAndTheIdentityAtInference() {
    NetworkSpec spec = new NetworkSpec("drop", List.of(
        new Layer.Input("input", new ActivationShape(8, 4, 4)),
        new Layer.Dropout("drop", "input", 0.25),
        new Layer.Flatten("flat", "drop"),
        new Layer.Dense("fc", "flat", 128, 128, false)), "fc");
    float[] identity = new float[128 * 128];
    for (int i = 0; i < 128; i++) {
      identity[i * 128 + i] = 1;
    }
    Weights w = Weights.of(List.of(new Tensor("fc.weight", new int[] {128, 128}, identity)));
    float[] x = new float[4 * 128];
    java.util.Arrays.fill(x, 1f);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      NetworkGraph net = NetworkGraph.create(tf, spec);
      Placeholder<TFloat32> in = tf.placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, 4, 4, 8)));
      Placeholder<TInt64> seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      Operand<TFloat32> train = net.training(in, seed).logits();
      Operand<TFloat32> infer = net.inference(in);
      try (Session s = new Session(g);
          TFloat32 image = TFloat32.tensorOf(Shape.of(4, 4, 4, 8), DataBuffers.of(x, true, false))) {
        net.load(s, w);
        float[] a = run(s, train, in, image, seed, 1, 7);
        float[] b = run(s, train, in, image, seed, 1, 7);
        float[] other = run(s, train, in, image, seed, 1, 8);
        float[] plain = run(s, infer, in, image, seed, 1, 7);
        assertArrayEquals(a, b, "the same seed and step draw the same mask");
        assertFalse(java.util.Arrays.equals(a, other), "another step draws another mask");
        int zeros = 0;
        for (float v : a) {
          assertTrue(v == 0f || Math.abs(v - 1 / 0.75f) < 1e-5, "kept values are scaled: " + v);
          zeros += v == 0f ? 1 : 0;
        }
        assertEquals(0.25, zeros / (double) a.length, 0.06);
        for (float v : plain) {
          assertEquals(1f, v, 1e-6);
        }
      }
    }
  }

  private static float[] run(Session s, Operand<TFloat32> y, Placeholder<TFloat32> in,
      TFloat32 image, Placeholder<TInt64> seed, long a, long b) {
    try (TInt64 k = TInt64.vectorOf(a, b);
        Result r = s.runner().feed(in, image).feed(seed, k).fetch(y).run()) {
      float[] v = new float[4 * 128];
      r.get(0).asRawTensor().data().asFloats().read(v);
      return v;
    }
  }
}
