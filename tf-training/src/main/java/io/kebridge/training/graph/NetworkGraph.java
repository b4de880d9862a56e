package io.kebridge.training.graph;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.Padding;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.TrainingException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.Scope;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.AvgPool;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.DepthwiseConv2dNative;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * A {@link NetworkSpec} as TensorFlow variables and ops. Every parameter (weights, biases,
 * batch-norm gamma/beta and running statistics) becomes one {@code VariableV2} named exactly as the
 * parameter ({@code layer1.0.conv1.weight}), so TF checkpoints match by name. The forward pass can
 * be built several times over the same variables: an inference path (running statistics) and a
 * training path (batch statistics plus the running-average updates).
 *
 * <p>Inside the graph everything is NHWC with TF weight layouts (see {@link TfLayouts}); {@link
 * #load} and {@link #read} convert from and to the canonical layouts. Convolution padding is
 * {@code SAME} where that is identical (stride 1, every side {@code (k - 1) / 2}), otherwise an
 * explicit pad, side by side as the spec says; max-pool padding is filled with minus infinity, and
 * ceil-mode pooling pads the bottom and right edge for its last window. Grouped convolutions
 * use TF's implicit grouping, depthwise ones {@code DepthwiseConv2dNative} on the same HWIO
 * variable. Flatten transposes to channel-major order first, so dense weights keep the canonical
 * meaning; a concatenation joins NHWC maps on the channel axis.
 */
public final class NetworkGraph {
  private final Ops tf;
  private final NetworkSpec spec;
  private final Map<String, ParamSpec> params = new LinkedHashMap<>();
  private final Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
  private Map<String, Placeholder<TFloat32>> loadInputs;
  private Op loadOp;

  /** The output of one forward pass. */
  public record Pass(Operand<TFloat32> logits, List<Op> statisticUpdates) {
    public Pass {
      statisticUpdates = List.copyOf(statisticUpdates);
    }
  }

  private NetworkGraph(Ops tf, NetworkSpec spec) {
    this.tf = tf;
    this.spec = spec;
  }

  /** Creates one variable per parameter of {@code spec} in the graph behind {@code tf}. */
  public static NetworkGraph create(Ops tf, NetworkSpec spec) {
    NetworkGraph g = new NetworkGraph(tf, spec);
    for (ParamSpec p : spec.params()) {
      g.params.put(p.name(), p);
      g.variables.put(
          p.name(),
          tf.withName(p.name()).variable(Shape.of(TfLayouts.tfShape(p)), TFloat32.class));
    }
    return g;
  }

  /**
   * The layers of {@code spec} without variables of their own: every parameter must be supplied
   * to {@link #inference(Operand, Map)} (for example slices of another network's variables).
   */
  public static NetworkGraph view(Ops tf, NetworkSpec spec) {
    NetworkGraph g = new NetworkGraph(tf, spec);
    for (ParamSpec p : spec.params()) {
      g.params.put(p.name(), p);
    }
    return g;
  }

  public NetworkSpec spec() {
    return spec;
  }

  /** The variables by parameter name, in parameter order (TF layouts). */
  public Map<String, Variable<TFloat32>> variables() {
    return Collections.unmodifiableMap(variables);
  }

  /** The variable of one parameter. */
  public Variable<TFloat32> variable(String param) {
    Variable<TFloat32> v = variables.get(param);
    if (v == null) {
      throw new TrainingException("the network has no parameter named '" + param + "'");
    }
    return v;
  }

  /** The spec of one parameter. */
  public ParamSpec param(String name) {
    ParamSpec p = params.get(name);
    if (p == null) {
      throw new TrainingException("the network has no parameter named '" + name + "'");
    }
    return p;
  }

  /** Logits in inference mode (batch-norm with running statistics) for an NHWC batch. */
  public Operand<TFloat32> inference(Operand<TFloat32> nhwc) {
    return forward(nhwc, false, new ArrayList<>(), Map.of(), null);
  }

  /**
   * Logits in inference mode where some parameters are replaced by other operands of the same TF
   * shape (for example slices of another network's variables, to evaluate a slim network in-graph).
   */
  public Operand<TFloat32> inference(
      Operand<TFloat32> nhwc, Map<String, Operand<TFloat32>> replacements) {
    return forward(nhwc, false, new ArrayList<>(), replacements, null);
  }

  /**
   * Logits in training mode (batch-norm with batch statistics, dropout active) and the ops that
   * move the running statistics towards this batch's (PyTorch's momentum convention, unbiased
   * batch variance).
   *
   * @param noiseSeed a {@code [2]} int64 seed for the dropout masks of this step (stateless random
   *     ops, so a resumed run draws what an uninterrupted one would); each dropout layer derives
   *     its own stream from it
   */
  public Pass training(Operand<TFloat32> nhwc, Operand<TInt64> noiseSeed) {
    List<Op> updates = new ArrayList<>();
    Operand<TFloat32> logits = forward(nhwc, true, updates, Map.of(), noiseSeed);
    return new Pass(logits, updates);
  }

  private Operand<TFloat32> forward(
      Operand<TFloat32> input,
      boolean training,
      List<Op> updates,
      Map<String, Operand<TFloat32>> replacements,
      Operand<TInt64> noiseSeed) {
    Map<String, Operand<TFloat32>> p = new HashMap<>(variables);
    p.putAll(replacements);
    Builder b = new Builder(input, training, updates, p, noiseSeed);
    for (Layer layer : spec.layers()) {
      b.out.put(layer.name(), layer.accept(b));
    }
    return b.vector(spec.output());
  }

  /**
   * A layer's TF value: a 4-D NHWC map, or a 2-D {@code [N, F]} matrix ({@code vector}) after
   * flatten and dense layers.
   */
  private record Value(Operand<TFloat32> op, boolean vector) {}

  /** Builds one forward pass, layer by layer. */
  private final class Builder implements Layer.Visitor<Value> {
    final Map<String, Value> out = new HashMap<>();
    final Operand<TFloat32> input;
    final boolean training;
    final List<Op> updates;
    final Map<String, Operand<TFloat32>> p;
    final Operand<TInt64> noiseSeed;
    int dropouts;

    Builder(Operand<TFloat32> input, boolean training, List<Op> updates,
        Map<String, Operand<TFloat32>> p, Operand<TInt64> noiseSeed) {
      this.input = input;
      this.training = training;
      this.updates = updates;
      this.p = p;
      this.noiseSeed = noiseSeed;
    }

    /** The layer's output as an NHWC map (a vector becomes {@code [N, 1, 1, F]}). */
    Operand<TFloat32> spatial(String name) {
      Value v = out.get(name);
      if (v.vector()) {
        int c = spec.shapeOf(name).channels();
        return tf.reshape(v.op(), tf.constant(new int[] {-1, 1, 1, c}));
      }
      return v.op();
    }

    /** The layer's output as an {@code [N, F]} matrix; a map must be 1x1. */
    Operand<TFloat32> vector(String name) {
      Value v = out.get(name);
      if (v.vector()) {
        return v.op();
      }
      ActivationShape s = spec.shapeOf(name);
      if (s.height() != 1 || s.width() != 1) {
        throw new TrainingException(name + ": a feature vector is needed here, the layer gives "
            + s);
      }
      return tf.reshape(v.op(), tf.constant(new int[] {-1, s.channels()}));
    }

    /** An element-wise op on the input, keeping its form. */
    Value same(String in, java.util.function.UnaryOperator<Operand<TFloat32>> f) {
      Value v = out.get(in);
      return new Value(f.apply(v.op()), v.vector());
    }

    @Override
    public Value visit(Layer.Input l) {
      return new Value(input, false);
    }

    @Override
    public Value visit(Layer.Conv2d c) {
      return new Value(conv(c, spatial(c.input()), p), false);
    }

    @Override
    public Value visit(Layer.BatchNorm bn) {
      boolean vector = out.get(bn.input()).vector();
      Operand<TFloat32> y = batchNorm(bn, spatial(bn.input()), training, updates, p);
      if (vector) {
        y = tf.reshape(y, tf.constant(new int[] {-1, bn.channels()}));
      }
      return new Value(y, vector);
    }

    @Override
    public Value visit(Layer.Relu r) {
      return same(r.input(), tf.nn::relu);
    }

    @Override
    public Value visit(Layer.Relu6 r) {
      return same(r.input(), tf.nn::relu6);
    }

    @Override
    public Value visit(Layer.Dropout d) {
      if (!training || d.rate() == 0) {
        return out.get(d.input());
      }
      if (noiseSeed == null) {
        throw new TrainingException(d.name() + ": dropout in training needs a noise seed");
      }
      // each dropout layer has its own stream: the step's seed shifted by the layer's index
      Operand<TInt64> seed = tf.math.add(noiseSeed,
          tf.constant(new long[] {0x9E3779B97F4A7C15L * ++dropouts, 0}));
      float keep = (float) (1 - d.rate());
      return same(d.input(), x -> {
        Operand<TFloat32> u =
            tf.random.statelessRandomUniform(tf.shape(x, TInt64.class), seed, TFloat32.class);
        Operand<TFloat32> mask = tf.dtypes.cast(
            tf.math.greaterEqual(u, tf.constant((float) d.rate())), TFloat32.class);
        return tf.math.mul(x, tf.math.mul(mask, tf.constant(1 / keep)));
      });
    }

    @Override
    public Value visit(Layer.MaxPool m) {
      return new Value(maxPool(m, spatial(m.input())), false);
    }

    @Override
    public Value visit(Layer.AvgPool a) {
      return new Value(avgPool(a, spatial(a.input())), false);
    }

    @Override
    public Value visit(Layer.GlobalAvgPool g) {
      return new Value(tf.math.mean(spatial(g.input()), tf.constant(new int[] {1, 2}),
          Mean.keepDims(true)), false);
    }

    @Override
    public Value visit(Layer.Lrn l) {
      return new Value(lrn(l, spatial(l.input())), false);
    }

    @Override
    public Value visit(Layer.Add a) {
      Value first = out.get(a.inputs().get(0));
      Operand<TFloat32> y = first.op();
      for (int i = 1; i < a.inputs().size(); i++) {
        y = tf.math.add(y, out.get(a.inputs().get(i)).op());
      }
      return new Value(y, first.vector());
    }

    @Override
    public Value visit(Layer.Concat c) {
      boolean vectors = c.inputs().stream().allMatch(in -> out.get(in).vector());
      List<Operand<TFloat32>> parts = new ArrayList<>();
      for (String in : c.inputs()) {
        parts.add(vectors ? out.get(in).op() : spatial(in));
      }
      return new Value(tf.concat(parts, tf.constant(vectors ? 1 : 3)), vectors);
    }

    @Override
    public Value visit(Layer.Flatten f) {
      return new Value(flatten(f, out.get(f.input())), true);
    }

    @Override
    public Value visit(Layer.Dense d) {
      return new Value(dense(d, vector(d.input()), p), true);
    }
  }

  /** {@code x} padded with {@code fill}, {@code p} on each side. */
  private Operand<TFloat32> padded(Operand<TFloat32> x, Padding p, float fill) {
    return tf.pad(x, tf.constant(new int[][] {{0, 0}, {p.top(), p.bottom()},
        {p.left(), p.right()}, {0, 0}}), tf.constant(fill));
  }

  /**
   * A convolution: a matrix product where its output is one position ({@link #pointConv}), else
   * {@code SAME} where TF's implicit padding is exactly the spec's (stride 1, every side {@code (k
   * - 1) / 2}), otherwise an explicit zero pad and {@code VALID}.
   */
  private Operand<TFloat32> conv(
      Layer.Conv2d c, Operand<TFloat32> x, Map<String, Operand<TFloat32>> p) {
    Operand<TFloat32> w = p.get(c.name() + ".weight");
    ActivationShape out = spec.shapeOf(c.name());
    Operand<TFloat32> y;
    if (c.groups() == 1 && out.height() == 1 && out.width() == 1) {
      y = pointConv(c, x, w);
    } else {
      Padding pad = c.padding();
      String padding = "VALID";
      if (!pad.none() && pad.uniform() && c.stride() == 1 && 2 * pad.top() == c.kernel() - 1) {
        padding = "SAME";
      } else if (!pad.none()) {
        x = padded(x, pad, 0f);
      }
      long s = c.stride();
      if (c.depthwise()) {
        // the HWIO filter [k, k, 1, in*m] read as TF's depthwise [k, k, in, m]: output channel
        // i*m + j is multiplier j of input channel i in both
        int k = c.kernel();
        Operand<TFloat32> f = tf.reshape(w, tf.constant(new int[] {k, k, c.inChannels(),
            c.outChannels() / c.inChannels()}));
        y = tf.nn.depthwiseConv2dNative(x, f, List.of(1L, s, s, 1L), padding,
            DepthwiseConv2dNative.dataFormat("NHWC"));
      } else {
        // TF's Conv2D groups implicitly when the filter's input depth divides the input's
        y = tf.nn.conv2d(x, w, List.of(1L, s, s, 1L), padding, Conv2d.dataFormat("NHWC"));
      }
    }
    if (c.bias()) {
      y = tf.nn.biasAdd(y, p.get(c.name() + ".bias"));
    }
    return y;
  }

  /**
   * A convolution whose output is a single position, as one matrix product: its only window
   * covers input rows {@code -top .. k-1-top} (and columns from {@code -left}), and only the taps
   * that fall inside the input ever multiply anything but padding. So the output is the flattened
   * input window times those taps of the filter, exactly, with exactly the gradients of the
   * convolution (the other taps' are zero either way). On the 1x1 maps a ResNet reaches at 32x32
   * this replaces oneDNN's slowest kernels there (the weight gradients of 3x3 convolutions on 1x1
   * maps): measured, the ResNet-18 training step at 3x32x32 got 1.25x to 1.38x faster.
   */
  private Operand<TFloat32> pointConv(Layer.Conv2d c, Operand<TFloat32> x, Operand<TFloat32> w) {
    ActivationShape in = spec.shapeOf(c.input());
    int k = c.kernel();
    Padding pad = c.padding();
    // taps ky whose input row ky - top lies in [0, H): ky in [top, top + H) within [0, k)
    int y0 = Math.max(0, pad.top());
    int y1 = Math.min(k, pad.top() + in.height());
    int x0 = Math.max(0, pad.left());
    int x1 = Math.min(k, pad.left() + in.width());
    int rows = y1 - y0;
    int cols = x1 - x0;
    // the input rows and columns those taps see: [y0 - top, y1 - top) and likewise
    Operand<TFloat32> window = x;
    if (rows != in.height() || cols != in.width()) {
      window = tf.slice(x, tf.constant(new int[] {0, y0 - pad.top(), x0 - pad.left(), 0}),
          tf.constant(new int[] {-1, rows, cols, -1}));
    }
    Operand<TFloat32> taps = w;
    if (rows != k || cols != k) {
      taps = tf.slice(w, tf.constant(new int[] {y0, x0, 0, 0}),
          tf.constant(new int[] {rows, cols, -1, -1}));
    }
    int features = rows * cols * c.inChannels();
    // NHWC [N, rows, cols, Cin] and HWIO [rows, cols, Cin, Cout] flatten in the same order
    Operand<TFloat32> flat = tf.reshape(window, tf.constant(new int[] {-1, features}));
    Operand<TFloat32> filter = tf.reshape(taps, tf.constant(new int[] {features,
        c.outChannels()}));
    return tf.reshape(tf.linalg.matMul(flat, filter),
        tf.constant(new int[] {-1, 1, 1, c.outChannels()}));
  }

  private Operand<TFloat32> batchNorm(
      Layer.BatchNorm b,
      Operand<TFloat32> x,
      boolean training,
      List<Op> updates,
      Map<String, Operand<TFloat32>> p) {
    Operand<TFloat32> gamma = p.get(b.name() + ".weight");
    Operand<TFloat32> beta = p.get(b.name() + ".bias");
    if (!training) {
      return tf.nn
          .fusedBatchNorm(
              x,
              gamma,
              beta,
              p.get(b.name() + ".running_mean"),
              p.get(b.name() + ".running_var"),
              FusedBatchNorm.epsilon((float) b.epsilon()),
              FusedBatchNorm.isTraining(false),
              FusedBatchNorm.dataFormat("NHWC"))
          .y();
    }
    Variable<TFloat32> mean = variables.get(b.name() + ".running_mean");
    Variable<TFloat32> var = variables.get(b.name() + ".running_var");
    // With an exponential-average factor the fused op returns the updated running statistics
    // (old * (1 - m) + batch * m, unbiased batch variance) itself: two assigns instead of eight
    // small ops per layer, which matters where per-op overhead dominates (small images).
    FusedBatchNorm<TFloat32, TFloat32> bn =
        tf.nn.fusedBatchNorm(
            x,
            gamma,
            beta,
            mean,
            var,
            FusedBatchNorm.epsilon((float) b.epsilon()),
            FusedBatchNorm.exponentialAvgFactor((float) b.momentum()),
            FusedBatchNorm.isTraining(true),
            FusedBatchNorm.dataFormat("NHWC"));
    updates.add(tf.assign(mean, bn.batchMean()));
    updates.add(tf.assign(var, bn.batchVariance()));
    return bn.y();
  }

  private Operand<TFloat32> maxPool(Layer.MaxPool m, Operand<TFloat32> x) {
    Padding p = m.floorPadding(spec.shapeOf(m.input()));
    if (!p.none()) {
      // every window keeps at least one pixel of the image, so minus infinity never wins
      x = padded(x, p, Float.NEGATIVE_INFINITY);
    }
    long k = m.kernel();
    long s = m.stride();
    // The attribute form (MaxPool, not the MaxPoolV2 that tf.nn.maxPool emits): oneDNN takes it
    // and its gradient over, about 10x faster forward and backward on small maps.
    Scope scope = tf.scope();
    Operation pool = scope.opBuilder("MaxPool", "MaxPool")
        .addInput(x.asOutput())
        .setAttr("ksize", new long[] {1, k, k, 1})
        .setAttr("strides", new long[] {1, s, s, 1})
        .setAttr("padding", "VALID")
        .setAttr("data_format", "NHWC")
        .build();
    return pool.output(0);
  }

  /**
   * Average pooling over a zero-padded map; where a window's divisor is not the full {@code k*k}
   * (padding left out of the count, or a ceil-mode window reaching past the padding) each output
   * is then rescaled to it (a constant per position).
   */
  private Operand<TFloat32> avgPool(Layer.AvgPool a, Operand<TFloat32> x) {
    ActivationShape in = spec.shapeOf(a.input());
    ActivationShape o = spec.shapeOf(a.name());
    Padding p = a.padding();
    Padding floor = a.floorPadding(in);
    int k = a.kernel();
    long s = a.stride();
    if (!floor.none()) {
      x = padded(x, floor, 0f);
    }
    Operand<TFloat32> y = tf.nn.avgPool(x, List.of(1L, (long) k, (long) k, 1L),
        List.of(1L, s, s, 1L), "VALID", AvgPool.dataFormat("NHWC"));
    float[] scale = new float[o.height() * o.width()];
    boolean rescale = false;
    for (int oy = 0; oy < o.height(); oy++) {
      int rows = a.divisor(oy, in.height(), p.top(), p.bottom());
      for (int ox = 0; ox < o.width(); ox++) {
        int cols = a.divisor(ox, in.width(), p.left(), p.right());
        scale[oy * o.width() + ox] = (float) (k * k) / (rows * cols);
        rescale |= rows * cols != k * k;
      }
    }
    if (!rescale) {
      return y;
    }
    return tf.math.mul(y, tf.constant(Shape.of(1, o.height(), o.width(), 1),
        DataBuffers.of(scale, true, false)));
  }

  /**
   * ONNX's local response normalisation, composed of ops whose TF gradients are right: TF's own
   * {@code LRN} op has a gradient in the C++ registry that ignores the op's depth radius, bias,
   * alpha and beta (it uses their defaults), which a finite-difference test caught. The map is
   * read as {@code [N, H*W, C, 1]} so that an average pool over {@code size} zero-padded channels
   * gives each channel's window mean of squares: {@code bias + alpha * mean} is ONNX's {@code bias
   * + alpha / size * sum}, and its power {@code -beta} is taken as {@code exp(-beta * log(.))}.
   */
  private Operand<TFloat32> lrn(Layer.Lrn l, Operand<TFloat32> x) {
    ActivationShape s = spec.shapeOf(l.input());
    int r = l.radius();
    Operand<TFloat32> sq = tf.reshape(tf.math.square(x),
        tf.constant(new int[] {-1, s.height() * s.width(), s.channels(), 1}));
    sq = tf.pad(sq, tf.constant(new int[][] {{0, 0}, {0, 0}, {r, r}, {0, 0}}), tf.constant(0f));
    Operand<TFloat32> mean = tf.nn.avgPool(sq, List.of(1L, 1L, (long) l.size(), 1L),
        List.of(1L, 1L, 1L, 1L), "VALID", AvgPool.dataFormat("NHWC"));
    Operand<TFloat32> scale = tf.math.add(tf.constant((float) l.bias()),
        tf.math.mul(tf.constant((float) l.alpha()), mean));
    Operand<TFloat32> factor = tf.math.exp(tf.math.mul(tf.constant((float) -l.beta()),
        tf.math.log(scale)));
    return tf.math.mul(x, tf.reshape(factor,
        tf.constant(new int[] {-1, s.height(), s.width(), s.channels()})));
  }

  private Operand<TFloat32> flatten(Layer.Flatten f, Value x) {
    if (x.vector()) {
      return x.op();
    }
    ActivationShape s = spec.shapeOf(f.input());
    Operand<TFloat32> y = x.op();
    if (s.height() != 1 || s.width() != 1) {
      // Canonical flatten is channel-major: NHWC -> NCHW before the reshape.
      y = tf.linalg.transpose(y, tf.constant(new int[] {0, 3, 1, 2}));
    }
    return tf.reshape(y, tf.constant(new int[] {-1, (int) s.elements()}));
  }

  private Operand<TFloat32> dense(
      Layer.Dense d, Operand<TFloat32> x, Map<String, Operand<TFloat32>> p) {
    Operand<TFloat32> y = tf.linalg.matMul(x, p.get(d.name() + ".weight"));
    if (d.bias()) {
      y = tf.nn.biasAdd(y, p.get(d.name() + ".bias"));
    }
    return y;
  }

  /**
   * Assigns canonical weights to the variables (converted to TF layout).
   *
   * @throws io.kebridge.models.ModelException when the weights do not match the spec
   */
  // The Result of a run for effect only is opened just to be closed.
  @SuppressWarnings("try")
  public void load(Session session, Weights weights) {
    weights.checkMatches(spec);
    if (loadOp == null) {
      Ops scope = tf.withSubScope("load");
      loadInputs = new LinkedHashMap<>();
      List<Op> assigns = new ArrayList<>();
      for (ParamSpec p : params.values()) {
        Placeholder<TFloat32> in =
            scope.placeholder(
                TFloat32.class, Placeholder.shape(Shape.of(TfLayouts.tfShape(p))));
        loadInputs.put(p.name(), in);
        assigns.add(scope.assign(variables.get(p.name()), in));
      }
      loadOp = scope.withControlDependencies(assigns).noOp();
    }
    List<TFloat32> feeds = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      for (ParamSpec p : params.values()) {
        Tensor t = weights.get(p.name());
        TFloat32 value =
            TFloat32.tensorOf(
                Shape.of(TfLayouts.tfShape(p)),
                DataBuffers.of(TfLayouts.toTf(p, t.data()), true, false));
        feeds.add(value);
        runner.feed(loadInputs.get(p.name()), value);
      }
      runner.addTarget(loadOp);
      try (Result r = runner.run()) {
        // nothing fetched; the result is closed to release its native handle
      }
    } finally {
      for (TFloat32 t : feeds) {
        t.close();
      }
    }
  }

  /** Reads every variable back as canonical weights, in parameter order. */
  public Weights read(Session session) {
    Session.Runner runner = session.runner();
    List<ParamSpec> order = new ArrayList<>(params.values());
    for (ParamSpec p : order) {
      runner.fetch(variables.get(p.name()));
    }
    List<Tensor> tensors = new ArrayList<>();
    try (Result r = runner.run()) {
      for (int i = 0; i < order.size(); i++) {
        ParamSpec p = order.get(i);
        float[] tfValues = new float[(int) p.elements()];
        r.get(i).asRawTensor().data().asFloats().read(tfValues);
        tensors.add(new Tensor(p.name(), p.shape(), TfLayouts.fromTf(p, tfValues)));
      }
    }
    return Weights.of(tensors);
  }
}
