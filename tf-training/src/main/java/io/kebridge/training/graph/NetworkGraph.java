package io.kebridge.training.graph;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.TrainingException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.nn.MaxPool;
import org.tensorflow.types.TFloat32;

/**
 * A {@link NetworkSpec} as TensorFlow variables and ops. Every parameter (weights, biases,
 * batch-norm gamma/beta and running statistics) becomes one {@code VariableV2} named exactly as the
 * parameter ({@code layer1.0.conv1.weight}), so TF checkpoints match by name. The forward pass can
 * be built several times over the same variables: an inference path (running statistics) and a
 * training path (batch statistics plus the running-average updates).
 *
 * <p>Inside the graph everything is NHWC with TF weight layouts (see {@link TfLayouts}); {@link
 * #load} and {@link #read} convert from and to the canonical layouts. Convolution padding is
 * symmetric as in the spec: {@code SAME} where that is identical (stride 1, {@code 2p = k - 1}),
 * otherwise an explicit pad; max-pool padding is filled with minus infinity. Flatten transposes to
 * channel-major order first, so dense weights keep the canonical meaning.
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
    return forward(nhwc, false, new ArrayList<>(), Map.of());
  }

  /**
   * Logits in inference mode where some parameters are replaced by other operands of the same TF
   * shape (for example a weight times its mask, to evaluate the fit hypothesis in-graph).
   */
  public Operand<TFloat32> inference(
      Operand<TFloat32> nhwc, Map<String, Operand<TFloat32>> replacements) {
    return forward(nhwc, false, new ArrayList<>(), replacements);
  }

  /**
   * Logits in training mode (batch-norm with batch statistics) and the ops that move the running
   * statistics towards this batch's (PyTorch's momentum convention, unbiased batch variance).
   */
  public Pass training(Operand<TFloat32> nhwc) {
    List<Op> updates = new ArrayList<>();
    Operand<TFloat32> logits = forward(nhwc, true, updates, Map.of());
    return new Pass(logits, updates);
  }

  private Operand<TFloat32> forward(
      Operand<TFloat32> input,
      boolean training,
      List<Op> updates,
      Map<String, Operand<TFloat32>> replacements) {
    Map<String, Operand<TFloat32>> p = new HashMap<>(variables);
    p.putAll(replacements);
    Map<String, Operand<TFloat32>> out = new HashMap<>();
    // Layers whose TF output is a 2-D [N, F] matrix rather than a 4-D NHWC map.
    Set<String> vectors = new HashSet<>();
    for (Layer layer : spec.layers()) {
      String name = layer.name();
      Operand<TFloat32> y;
      boolean vector = false;
      if (layer instanceof Layer.Input) {
        y = input;
      } else if (layer instanceof Layer.Conv2d c) {
        y = conv(c, spatial(c.input(), out, vectors), p);
      } else if (layer instanceof Layer.BatchNorm b) {
        vector = vectors.contains(b.input());
        y = batchNorm(b, spatial(b.input(), out, vectors), training, updates, p);
        if (vector) {
          y = tf.reshape(y, tf.constant(new int[] {-1, b.channels()}));
        }
      } else if (layer instanceof Layer.Relu r) {
        vector = vectors.contains(r.input());
        y = tf.nn.relu(out.get(r.input()));
      } else if (layer instanceof Layer.MaxPool m) {
        y = maxPool(m, spatial(m.input(), out, vectors));
      } else if (layer instanceof Layer.GlobalAvgPool a) {
        y =
            tf.math.mean(
                spatial(a.input(), out, vectors), tf.constant(new int[] {1, 2}), Mean.keepDims(true));
      } else if (layer instanceof Layer.Add a) {
        vector = vectors.contains(a.inputs().get(0));
        y = out.get(a.inputs().get(0));
        for (int i = 1; i < a.inputs().size(); i++) {
          y = tf.math.add(y, out.get(a.inputs().get(i)));
        }
      } else if (layer instanceof Layer.Flatten f) {
        vector = true;
        y = flatten(f, out, vectors);
      } else if (layer instanceof Layer.Dense d) {
        vector = true;
        y = dense(d, vectorOf(d.input(), out, vectors), p);
      } else {
        throw new TrainingException(name + ": layer type " + layer.getClass().getSimpleName()
            + " is not supported by the TensorFlow graph builder");
      }
      out.put(name, y);
      if (vector) {
        vectors.add(name);
      }
    }
    return vectorOf(spec.output(), out, vectors);
  }

  private Operand<TFloat32> spatial(
      String name, Map<String, Operand<TFloat32>> out, Set<String> vectors) {
    Operand<TFloat32> x = out.get(name);
    if (vectors.contains(name)) {
      int c = spec.shapeOf(name).channels();
      return tf.reshape(x, tf.constant(new int[] {-1, 1, 1, c}));
    }
    return x;
  }

  private Operand<TFloat32> vectorOf(
      String name, Map<String, Operand<TFloat32>> out, Set<String> vectors) {
    Operand<TFloat32> x = out.get(name);
    if (vectors.contains(name)) {
      return x;
    }
    ActivationShape s = spec.shapeOf(name);
    if (s.height() != 1 || s.width() != 1) {
      throw new TrainingException(name + ": a feature vector is needed here, the layer gives " + s);
    }
    return tf.reshape(x, tf.constant(new int[] {-1, s.channels()}));
  }

  private Operand<TFloat32> conv(
      Layer.Conv2d c, Operand<TFloat32> x, Map<String, Operand<TFloat32>> p) {
    int pad = c.padding();
    String padding = "VALID";
    if (pad > 0 && c.stride() == 1 && 2 * pad == c.kernel() - 1) {
      padding = "SAME";
    } else if (pad > 0) {
      x =
          tf.pad(
              x,
              tf.constant(new int[][] {{0, 0}, {pad, pad}, {pad, pad}, {0, 0}}),
              tf.constant(0f));
    }
    long s = c.stride();
    Operand<TFloat32> y =
        tf.nn.conv2d(
            x,
            p.get(c.name() + ".weight"),
            List.of(1L, s, s, 1L),
            padding,
            Conv2d.dataFormat("NHWC"));
    if (c.bias()) {
      y = tf.nn.biasAdd(y, p.get(c.name() + ".bias"));
    }
    return y;
  }

  private Operand<TFloat32> batchNorm(
      Layer.BatchNorm b,
      Operand<TFloat32> x,
      boolean training,
      List<Op> updates,
      Map<String, Operand<TFloat32>> p) {
    Operand<TFloat32> gamma = p.get(b.name() + ".weight");
    Operand<TFloat32> beta = p.get(b.name() + ".bias");
    Variable<TFloat32> mean = variables.get(b.name() + ".running_mean");
    Variable<TFloat32> var = variables.get(b.name() + ".running_var");
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
    int p = m.padding();
    if (p > 0) {
      x =
          tf.pad(
              x,
              tf.constant(new int[][] {{0, 0}, {p, p}, {p, p}, {0, 0}}),
              tf.constant(Float.NEGATIVE_INFINITY));
    }
    int k = m.kernel();
    int s = m.stride();
    return tf.nn.maxPool(
        x,
        tf.constant(new int[] {1, k, k, 1}),
        tf.constant(new int[] {1, s, s, 1}),
        "VALID",
        MaxPool.dataFormat("NHWC"));
  }

  private Operand<TFloat32> flatten(
      Layer.Flatten f, Map<String, Operand<TFloat32>> out, Set<String> vectors) {
    if (vectors.contains(f.input())) {
      return out.get(f.input());
    }
    ActivationShape s = spec.shapeOf(f.input());
    Operand<TFloat32> x = out.get(f.input());
    if (s.height() != 1 || s.width() != 1) {
      // Canonical flatten is channel-major: NHWC -> NCHW before the reshape.
      x = tf.linalg.transpose(x, tf.constant(new int[] {0, 3, 1, 2}));
    }
    return tf.reshape(x, tf.constant(new int[] {-1, (int) s.elements()}));
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
