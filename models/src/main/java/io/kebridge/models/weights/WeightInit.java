package io.kebridge.models.weights;

import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Pure-Java weight initialisation, reproducible from a seed: for tools that need weights without a
 * training graph (tests, exports of untrained networks, imports).
 */
public final class WeightInit {
  private WeightInit() {}

  /**
   * He-normal (fan-in) conv and dense weights as the KE reference's generation 1, zero biases,
   * batch-norm gamma 1, beta 0, running mean 0 and running variance 1.
   */
  public static Weights heNormal(NetworkSpec spec, long seed) {
    return init(spec, seed, false);
  }

  /**
   * He-normal weights and random batch-norm parameters and statistics (gamma in [0.5, 1.5], beta
   * and mean normal with std 0.1 and 0.2, variance in [0.5, 1.5]) and small random biases: the
   * weights an equivalence or parity test needs, where identity batch-norms would hide bugs.
   */
  public static Weights randomized(NetworkSpec spec, long seed) {
    return init(spec, seed, true);
  }

  private static Weights init(NetworkSpec spec, long seed, boolean randomStats) {
    List<Tensor> tensors = new ArrayList<>();
    for (ParamSpec p : spec.params()) {
      SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + p.name().hashCode());
      int[] shape = p.shape();
      float[] v = new float[(int) p.elements()];
      switch (p.kind()) {
        case CONV_WEIGHT, DENSE_WEIGHT -> {
          int fanIn = 1;
          for (int i = 1; i < shape.length; i++) {
            fanIn *= shape[i];
          }
          double std = Math.sqrt(2.0 / fanIn);
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) (gaussian(r) * std);
          }
        }
        case BIAS -> fill(v, r, randomStats ? 0.1 : 0, 0);
        case BN_GAMMA -> fillUniform(v, r, randomStats ? 0.5 : 1, randomStats ? 1.5 : 1);
        case BN_BETA -> fill(v, r, randomStats ? 0.1 : 0, 0);
        case BN_MEAN -> fill(v, r, randomStats ? 0.2 : 0, 0);
        case BN_VAR -> fillUniform(v, r, randomStats ? 0.5 : 1, randomStats ? 1.5 : 1);
        default -> throw new IllegalStateException("unknown parameter kind " + p.kind());
      }
      tensors.add(new Tensor(p.name(), shape, v));
    }
    return Weights.of(tensors);
  }

  private static void fill(float[] v, SplittableRandom r, double std, double mean) {
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (mean + (std == 0 ? 0 : gaussian(r) * std));
    }
  }

  private static void fillUniform(float[] v, SplittableRandom r, double lo, double hi) {
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
  }

  /** A standard normal draw (Box-Muller), so results do not depend on java.util.Random. */
  static double gaussian(SplittableRandom r) {
    double u1 = 1.0 - r.nextDouble();
    double u2 = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
