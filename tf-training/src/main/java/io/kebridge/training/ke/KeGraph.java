package io.kebridge.training.ke;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.split.ChannelPlan;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.Mask;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.TrainingException;
import io.kebridge.training.graph.NetworkGraph;
import io.kebridge.training.graph.TfDevice;
import io.kebridge.training.graph.TfLayouts;
import io.kebridge.training.optim.MomentumSgd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The Knowledge Evolution training graph of one network, with its session: parameters, one
 * non-trainable mask variable per conv and dense weight, momentum buffers, a training step (whole
 * network, no mask in the forward pass), dense and slim evaluation, and the re-initialisation
 * {@code w <- select(mask, w, fresh)} as one op per weight that also zeroes the momentum buffers.
 * Fresh values come from stateless random ops seeded by (run seed, generation), so a resumed run
 * draws exactly what an uninterrupted one would.
 */
public final class KeGraph implements AutoCloseable {

  /**
   * What the graph is built with.
   *
   * @param slimRate the KELS rate whose slim network (the fit hypothesis cut out) is evaluated, or
   *     null when the split has no slim network
   */
  public record Settings(
      double momentum,
      double weightDecay,
      double labelSmoothing,
      ReinitRule reinit,
      Double slimRate,
      TfDevice device,
      int threads) {}

  /** Loss and number of correct predictions of one training batch. */
  public record StepResult(float loss, int correct) {}

  private final NetworkSpec spec;
  private final Graph graph;
  private final Session session;
  private final NetworkGraph net;
  private final Placeholder<TFloat32> images;
  private final Placeholder<TInt32> labels;
  private final Placeholder<TFloat32> learningRate;
  private final Placeholder<TInt64> reinitSeed;
  private final Placeholder<TInt64> noiseSeed;
  private final Operand<TFloat32> loss;
  private final Operand<TFloat32> correct;
  private final MomentumSgd sgd;
  private final Operand<TInt32> densePredictions;
  private final Operand<TInt32> slimPredictions;
  private final KelsPlan slimPlan;
  private final Op reinit;
  private final Map<String, Variable<TFloat32>> masks = new LinkedHashMap<>();
  private final Map<String, Placeholder<TFloat32>> maskInputs = new LinkedHashMap<>();
  private final Op loadMasks;
  private final List<String> trainableNames = new ArrayList<>();
  private boolean closed;

  private KeGraph(NetworkSpec spec, Settings settings, Graph graph) {
    this.spec = spec;
    this.graph = graph;
    Ops tf = Ops.create(graph).withDevice(settings.device().spec());
    net = NetworkGraph.create(tf, spec);
    ActivationShape s = spec.input().shape();
    images =
        tf.withName("images")
            .placeholder(
                TFloat32.class, Placeholder.shape(Shape.of(-1, s.height(), s.width(), s.channels())));
    labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
    learningRate =
        tf.withName("learning_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    reinitSeed =
        tf.withName("reinit_seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
    noiseSeed =
        tf.withName("noise_seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));

    // Training path: label-smoothed dense cross-entropy (the sparse op has no gradient).
    NetworkGraph.Pass pass = net.training(images, noiseSeed);
    int k = spec.classes();
    float eps = (float) settings.labelSmoothing();
    Operand<TFloat32> targets =
        tf.oneHot(labels, tf.constant(k), tf.constant(1 - eps + eps / k), tf.constant(eps / k));
    loss =
        tf.withName("loss")
            .math
            .mean(
                tf.nn.softmaxCrossEntropyWithLogits(pass.logits(), targets).loss(),
                tf.constant(0));
    correct =
        tf.reduceSum(
            tf.dtypes.cast(
                tf.math.equal(tf.math.argMax(pass.logits(), tf.constant(1), TInt32.class), labels),
                TFloat32.class),
            tf.constant(0));

    List<String> names = new ArrayList<>();
    List<Variable<TFloat32>> params = new ArrayList<>();
    for (ParamSpec p : spec.params()) {
      if (p.kind().trainable()) {
        names.add(p.name());
        params.add(net.variable(p.name()));
      }
    }
    trainableNames.addAll(names);
    sgd =
        MomentumSgd.build(
            tf,
            loss,
            names,
            params,
            learningRate,
            settings.momentum(),
            settings.weightDecay(),
            pass.statisticUpdates());

    // Masks and re-initialisation.
    Ops maskScope = tf.withSubScope("mask");
    Ops loadScope = tf.withSubScope("load_mask");
    List<Op> maskAssigns = new ArrayList<>();
    List<Op> reinitOps = new ArrayList<>();
    int index = 0;
    for (ParamSpec p : spec.params()) {
      if (!p.kind().maskable()) {
        continue;
      }
      Shape shape = Shape.of(TfLayouts.tfShape(p));
      Variable<TFloat32> m = maskScope.withName(p.name()).variable(shape, TFloat32.class);
      masks.put(p.name(), m);
      Placeholder<TFloat32> in = loadScope.placeholder(TFloat32.class, Placeholder.shape(shape));
      maskInputs.put(p.name(), in);
      maskAssigns.add(loadScope.assign(m, in));
      Variable<TFloat32> w = net.variable(p.name());
      Operand<TFloat32> fresh = fresh(tf, p, shape, index++, settings.reinit());
      Operand<TBool> fit = tf.math.greater(m, tf.constant(0.5f));
      reinitOps.add(tf.assign(w, tf.select(fit, w, fresh)));
    }
    loadMasks = loadScope.withControlDependencies(maskAssigns).noOp();
    reinitOps.add(sgd.resetSlots());
    reinit = tf.withName("ke_reinit").withControlDependencies(reinitOps).noOp();

    densePredictions =
        tf.math.argMax(net.inference(images), tf.constant(1), TInt32.class);
    slimPlan = settings.slimRate() == null ? null : new KelsPlan(settings.slimRate());
    slimPredictions =
        slimPlan == null
            ? null
            : tf.math.argMax(slimInference(tf, slimPlan.channels(spec)), tf.constant(1),
                TInt32.class);
    session = new Session(graph, settings.device().sessionConfig(settings.threads()));
  }

  /**
   * The slim network evaluated on the dense variables themselves: each slim parameter is the
   * dense variable restricted to the plan's kept indices (a leading slice where KELS keeps a
   * prefix, a gather where a concatenation keeps the first channels of every chunk). This costs
   * what the slim network costs, about a quarter of the dense one, instead of a dense pass with
   * masked weights.
   */
  private Operand<TFloat32> slimInference(Ops tf, ChannelPlan plan) {
    Ops scope = tf.withSubScope("slim");
    NetworkSpec slim = plan.slimSpec();
    Map<String, Operand<TFloat32>> sliced = new LinkedHashMap<>();
    for (ParamSpec p : spec.params()) {
      Operand<TFloat32> v = net.variable(p.name());
      int[][] kept = plan.keptIndices(p.name());
      for (int axis = 0; axis < kept.length; axis++) {
        if (kept[axis] != null) {
          v = keep(scope, v, TfLayouts.tfAxis(p, axis), kept[axis], TfLayouts.tfShape(p));
        }
      }
      sliced.put(p.name(), v);
    }
    return NetworkGraph.view(scope, slim).inference(images, sliced);
  }

  /** {@code v} restricted to {@code indices} on {@code axis}: a slice for a prefix, else a gather. */
  private static Operand<TFloat32> keep(
      Ops tf, Operand<TFloat32> v, int axis, int[] indices, long[] shape) {
    boolean prefix = true;
    for (int i = 0; i < indices.length; i++) {
      prefix &= indices[i] == i;
    }
    if (prefix && indices.length == shape[axis]) {
      return v;
    }
    if (prefix) {
      int[] begin = new int[shape.length];
      int[] size = new int[shape.length];
      java.util.Arrays.fill(size, -1);
      size[axis] = indices.length;
      return tf.slice(v, tf.constant(begin), tf.constant(size));
    }
    return tf.gather(v, tf.constant(indices), tf.constant(axis));
  }

  /** Builds the graph and opens its session; variables are unset until loaded or restored. */
  public static KeGraph build(NetworkSpec spec, Settings settings) {
    Graph graph = new Graph();
    try {
      return new KeGraph(spec, settings, graph);
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  private Operand<TFloat32> fresh(Ops tf, ParamSpec p, Shape shape, int index, ReinitRule rule) {
    int[] s = p.shape();
    long fanIn = 1;
    for (int i = 1; i < s.length; i++) {
      fanIn *= s[i];
    }
    Operand<TInt64> shapeOp = tf.constant(shape);
    // Each weight gets its own stream: (seed, generation * 2^20 + weight index).
    Operand<TInt64> seed = tf.math.add(reinitSeed, tf.constant(new long[] {0, index}));
    switch (rule) {
      case REFERENCE:
        float bound = (float) (1 / Math.sqrt(fanIn));
        Operand<TFloat32> u = tf.random.statelessRandomUniform(shapeOp, seed, TFloat32.class);
        return tf.math.mul(tf.math.sub(tf.math.mul(u, tf.constant(2f)), tf.constant(1f)),
            tf.constant(bound));
      case INITIAL:
        float std = (float) Math.sqrt(2.0 / fanIn);
        return tf.math.mul(
            tf.random.statelessRandomNormal(shapeOp, seed, TFloat32.class), tf.constant(std));
      default:
        return tf.fill(shapeOp, tf.constant(0f));
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this training graph is closed");
    }
  }

  public NetworkSpec spec() {
    return spec;
  }

  /** Names of the trainable parameters, in the optimiser's order. */
  public List<String> trainableNames() {
    return List.copyOf(trainableNames);
  }

  /** Sets every parameter (canonical layouts). */
  public void loadWeights(Weights weights) {
    checkOpen();
    net.load(session, weights);
  }

  /** Every parameter, canonical layouts, parameter order. */
  public Weights readWeights() {
    checkOpen();
    return net.read(session);
  }

  /** Sets the split masks (one per conv and dense weight). */
  // The Result of a run for effect only is opened just to be closed.
  @SuppressWarnings("try")
  public void loadMasks(Map<String, Mask> split) {
    checkOpen();
    if (!split.keySet().equals(masks.keySet())) {
      throw new TrainingException(
          "the split masks " + split.keySet() + " do not match the network's weights "
              + masks.keySet());
    }
    if (slimPlan != null && !split.equals(slimPlan.masks(spec))) {
      // The slim evaluation slices the leading channels of the plan it was built for.
      throw new TrainingException("the masks are not those of " + slimPlan.describe()
          + ", the split this graph evaluates the slim network of");
    }
    List<TFloat32> feeds = new ArrayList<>();
    try {
      Session.Runner r = session.runner();
      for (Map.Entry<String, Mask> e : split.entrySet()) {
        ParamSpec p = net.param(e.getKey());
        TFloat32 t =
            TFloat32.tensorOf(
                Shape.of(TfLayouts.tfShape(p)),
                DataBuffers.of(TfLayouts.toTf(p, e.getValue().toFloats()), true, false));
        feeds.add(t);
        r.feed(maskInputs.get(e.getKey()), t);
      }
      try (Result res = r.addTarget(loadMasks).run()) {
        // assignments only
      }
    } finally {
      feeds.forEach(TFloat32::close);
    }
  }

  /** The masks as the graph holds them (canonical layout), for checks and for saving. */
  public Map<String, Mask> readMasks() {
    checkOpen();
    Map<String, float[]> values = fetch(new ArrayList<>(masks.values()), new ArrayList<>(masks.keySet()));
    Map<String, Mask> out = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : values.entrySet()) {
      ParamSpec p = net.param(e.getKey());
      float[] canonical = TfLayouts.fromTf(p, e.getValue());
      byte[] bits = new byte[canonical.length];
      for (int i = 0; i < bits.length; i++) {
        bits[i] = canonical[i] != 0 ? (byte) 1 : (byte) 0;
      }
      out.put(e.getKey(), new Mask(e.getKey(), p.shape(), bits));
    }
    return out;
  }

  /** The momentum buffer of each trainable parameter (canonical layout). */
  public Map<String, float[]> readMomentum() {
    checkOpen();
    Map<String, float[]> raw = fetch(new ArrayList<>(sgd.slots()), trainableNames);
    Map<String, float[]> out = new LinkedHashMap<>();
    raw.forEach((name, v) -> out.put(name, TfLayouts.fromTf(net.param(name), v)));
    return out;
  }

  private Map<String, float[]> fetch(List<Variable<TFloat32>> vars, List<String> names) {
    Session.Runner r = session.runner();
    vars.forEach(r::fetch);
    Map<String, float[]> out = new LinkedHashMap<>();
    try (Result res = r.run()) {
      for (int i = 0; i < vars.size(); i++) {
        float[] v = new float[(int) vars.get(i).shape().size()];
        res.get(i).asRawTensor().data().asFloats().read(v);
        out.put(names.get(i), v);
      }
    }
    return out;
  }

  /** Zeroes the momentum buffers (fresh optimiser state). */
  // The Result of a run for effect only is opened just to be closed.
  @SuppressWarnings("try")
  public void resetMomentum() {
    checkOpen();
    try (Result r = session.runner().addTarget(sgd.resetSlots()).run()) {
      // assignments only
    }
  }

  /**
   * Re-initialises the reset hypothesis of every conv and dense weight and zeroes the momentum
   * buffers, drawing fresh values from (seed, generation).
   */
  // The Result of a run for effect only is opened just to be closed.
  @SuppressWarnings("try")
  public void reinitialise(long seed, int generation) {
    checkOpen();
    try (TInt64 s = TInt64.vectorOf(seed, ((long) generation) << 20);
        Result r = session.runner().feed(reinitSeed, s).addTarget(reinit).run()) {
      // assignments only
    }
  }

  /**
   * One SGD step on an NHWC batch of {@code n} normalised images. {@code seed} and {@code step}
   * draw the step's dropout masks: the same pair gives the same masks, so a resumed run trains
   * exactly as an uninterrupted one.
   */
  public StepResult train(float[] nhwc, int[] batchLabels, int n, float lr, long seed, long step) {
    checkOpen();
    checkBatch(nhwc, n);
    if (batchLabels.length != n) {
      throw new TrainingException("a batch of " + n + " images has " + batchLabels.length
          + " labels");
    }
    for (int label : batchLabels) {
      // out-of-range labels would silently become all-zero one-hot targets in TF
      if (label < 0 || label >= spec.classes()) {
        throw new TrainingException("label " + label + " is outside the network's "
            + spec.classes() + " classes");
      }
    }
    ActivationShape s = spec.input().shape();
    try (TFloat32 x =
            TFloat32.tensorOf(
                Shape.of(n, s.height(), s.width(), s.channels()), DataBuffers.of(nhwc, true, false));
        TInt32 y = TInt32.tensorOf(Shape.of(n), DataBuffers.of(batchLabels, true, false));
        TFloat32 rate = TFloat32.scalarOf(lr);
        TInt64 noise = TInt64.vectorOf(seed, step);
        Result r =
            session
                .runner()
                .feed(images, x)
                .feed(labels, y)
                .feed(learningRate, rate)
                .feed(noiseSeed, noise)
                .addTarget(sgd.update())
                .fetch(loss)
                .fetch(correct)
                .run()) {
      float l = r.get(0).asRawTensor().data().asFloats().getFloat(0);
      float c = r.get(1).asRawTensor().data().asFloats().getFloat(0);
      return new StepResult(l, Math.round(c));
    }
  }

  /**
   * One SGD step exactly like {@link #train}, traced ({@code FULL_TRACE}): TensorFlow's statistics
   * of every node the step ran, for finding where a step's time goes ({@code ke bench train
   * --profile}). Tracing slows the step; time untraced steps for speed.
   */
  public RunMetadata traceTrainStep(float[] nhwc, int[] batchLabels, int n, float lr) {
    checkOpen();
    checkBatch(nhwc, n);
    ActivationShape s = spec.input().shape();
    RunOptions trace = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE)
        .build();
    try (TFloat32 x =
            TFloat32.tensorOf(
                Shape.of(n, s.height(), s.width(), s.channels()), DataBuffers.of(nhwc, true, false));
        TInt32 y = TInt32.tensorOf(Shape.of(n), DataBuffers.of(batchLabels, true, false));
        TFloat32 rate = TFloat32.scalarOf(lr);
        TInt64 noise = TInt64.vectorOf(0, 0);
        Result r =
            session
                .runner()
                .feed(images, x)
                .feed(labels, y)
                .feed(learningRate, rate)
                .feed(noiseSeed, noise)
                .addTarget(sgd.update())
                .fetch(loss)
                .setOptions(trace)
                .runAndFetchMetadata()) {
      return r.getMetadata().orElseThrow(
          () -> new TrainingException("TensorFlow returned no step statistics"));
    }
  }

  private void checkBatch(float[] nhwc, int n) {
    long per = spec.input().shape().elements();
    if (n < 1 || nhwc.length != n * per) {
      throw new TrainingException("a batch of " + n + " images of " + spec.input().shape()
          + " needs " + n * per + " values, got " + nhwc.length);
    }
  }

  /** True when the graph evaluates the slim (fit-hypothesis) network. */
  public boolean hasSlimEvaluation() {
    return slimPredictions != null;
  }

  /**
   * Predicted classes for an NHWC batch in inference mode: the dense network, or with {@code slim}
   * the fit hypothesis alone (every reset weight zeroed, which is exactly what the cut-out slim
   * network computes on its channels).
   */
  public int[] predict(float[] nhwc, int n, boolean slim) {
    checkOpen();
    if (slim && slimPredictions == null) {
      throw new TrainingException("this split has no slim network to evaluate");
    }
    return predictions(nhwc, n, slim ? slimPredictions : densePredictions)[0];
  }

  /**
   * Predicted classes of the dense network and of the fit hypothesis alone for the same NHWC batch,
   * in one run: the batch is fed once and TensorFlow runs the two independent branches side by
   * side on its inter-op threads. {@code [0]} is dense, {@code [1]} slim.
   */
  public int[][] predictDenseAndSlim(float[] nhwc, int n) {
    checkOpen();
    if (slimPredictions == null) {
      throw new TrainingException("this split has no slim network to evaluate");
    }
    return predictions(nhwc, n, densePredictions, slimPredictions);
  }

  /** One inference run on an NHWC batch, fetching each of {@code outputs}' {@code n} classes. */
  @SafeVarargs
  private int[][] predictions(float[] nhwc, int n, Operand<TInt32>... outputs) {
    checkBatch(nhwc, n);
    ActivationShape s = spec.input().shape();
    int[][] out = new int[outputs.length][n];
    try (TFloat32 x =
        TFloat32.tensorOf(
            Shape.of(n, s.height(), s.width(), s.channels()), DataBuffers.of(nhwc, true, false))) {
      Session.Runner runner = session.runner().feed(images, x);
      for (Operand<TInt32> o : outputs) {
        runner.fetch(o);
      }
      try (Result r = runner.run()) {
        for (int i = 0; i < outputs.length; i++) {
          r.get(i).asRawTensor().data().asInts().read(out[i]);
        }
      }
    }
    return out;
  }

  /** Saves every variable (parameters, masks, momentum) as a TF checkpoint at {@code prefix}. */
  public void save(Path prefix) {
    checkOpen();
    session.save(prefix.toString());
  }

  /**
   * Restores every variable from a TF checkpoint.
   *
   * @throws TrainingException when the checkpoint is missing, corrupt or from another network
   */
  public void restore(Path prefix) {
    checkOpen();
    try {
      session.restore(prefix.toString());
    } catch (RuntimeException e) {
      throw new TrainingException(
          "cannot restore the checkpoint " + prefix + " (missing, corrupt or from another network): "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    session.close();
    graph.close();
  }
}
