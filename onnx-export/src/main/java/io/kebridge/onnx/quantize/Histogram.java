package io.kebridge.onnx.quantize;

import java.nio.FloatBuffer;

/**
 * Counts of an activation's values (or of the magnitudes of one sign) in equal bins over a range
 * fixed beforehand, from which the percentile and entropy methods pick a clipping threshold.
 */
final class Histogram {
  /** Which values are counted. */
  enum Side {
    /** Every value as it is (the percentile method). */
    ALL,
    /** Values above zero (the entropy method's upper threshold). */
    POSITIVE,
    /** The magnitudes of values below zero (the entropy method's lower threshold). */
    NEGATIVE
  }

  /** Bins per histogram: fine enough that a threshold lands within 0.05% of the range. */
  static final int BINS = 2048;

  private final double lo;
  private final double width;
  private final Side side;
  private final long[] counts = new long[BINS];
  private long total;

  /**
   * @param side which values count; a side leaves the exact zeros out too: the 8-bit grid holds
   *     zero exactly, so the spike a ReLU leaves there is no error to weigh (counted, it makes the
   *     entropy method merge it with its neighbours and cut ranges several times too short)
   */
  Histogram(double lo, double hi, Side side) {
    this.lo = lo;
    this.width = hi > lo ? (hi - lo) / BINS : 0;
    this.side = side;
  }

  void add(FloatBuffer values) {
    double inv = width > 0 ? 1 / width : 0;
    for (int i = values.position(); i < values.limit(); i++) {
      double x = values.get(i);
      if (side == Side.POSITIVE && !(x > 0)) {
        continue;
      }
      if (side == Side.NEGATIVE) {
        if (!(x < 0)) {
          continue;
        }
        x = -x;
      }
      int b = (int) ((x - lo) * inv);
      counts[b < 0 ? 0 : Math.min(b, BINS - 1)]++;
      total++;
    }
  }

  void add(float[] values) {
    add(FloatBuffer.wrap(values));
  }

  /** The value below which a fraction {@code q} of the counts lie (linear within a bin). */
  double quantile(double q) {
    if (total == 0 || width == 0) {
      return lo;
    }
    double target = q * total;
    long seen = 0;
    for (int b = 0; b < BINS; b++) {
      if (seen + counts[b] >= target && counts[b] > 0) {
        double within = (target - seen) / counts[b];
        return lo + (b + Math.max(0, Math.min(1, within))) * width;
      }
      seen += counts[b];
    }
    return lo + BINS * width;
  }

  /**
   * The upper threshold whose {@code levels}-step quantisation of the first bins is closest, in KL
   * divergence, to the histogram with everything above the threshold folded into its last bin
   * (TensorRT's entropy calibration, with MXNet's smoothing of empty bins).
   */
  double entropyThreshold(int levels) {
    if (total == 0 || width == 0) {
      return lo;
    }
    long[] above = new long[BINS + 1];
    for (int b = BINS - 1; b >= 0; b--) {
      above[b] = above[b + 1] + counts[b];
    }
    double bestKl = Double.POSITIVE_INFINITY;
    int best = BINS;
    for (int i = levels; i <= BINS; i++) {
      double kl = divergence(i, levels, above[i]);
      if (kl < bestKl) {
        bestKl = kl;
        best = i;
      }
    }
    return lo + best * width;
  }

  /** KL(P || Q) for the first {@code bins} bins quantised to {@code levels} steps. */
  private double divergence(int bins, int levels, long outliers) {
    double[] p = new double[bins];
    for (int b = 0; b < bins; b++) {
      p[b] = counts[b];
    }
    p[bins - 1] += outliers;
    double[] q = new double[bins];
    for (int j = 0; j < levels; j++) {
      int start = (int) ((long) j * bins / levels);
      int end = (int) ((long) (j + 1) * bins / levels);
      double sum = 0;
      int nonzero = 0;
      for (int b = start; b < end; b++) {
        sum += counts[b];
        if (p[b] != 0) {
          nonzero++;
        }
      }
      for (int b = start; b < end; b++) {
        q[b] = p[b] != 0 && nonzero > 0 ? sum / nonzero : 0;
      }
    }
    if (!normalizeAndSmooth(p) || !normalizeAndSmooth(q)) {
      return Double.POSITIVE_INFINITY;
    }
    double kl = 0;
    for (int b = 0; b < bins; b++) {
      if (p[b] > 0) {
        kl += p[b] * Math.log(p[b] / q[b]);
      }
    }
    return kl;
  }

  /** Scales {@code d} to sum 1 and gives empty bins a small mass; false when it is all zero. */
  private static boolean normalizeAndSmooth(double[] d) {
    double sum = 0;
    int zeros = 0;
    for (double v : d) {
      sum += v;
      if (v == 0) {
        zeros++;
      }
    }
    if (sum <= 0) {
      return false;
    }
    double eps = 1e-4;
    int nonzero = d.length - zeros;
    double take = zeros == 0 ? 0 : eps * zeros / nonzero;
    for (int b = 0; b < d.length; b++) {
      d[b] = d[b] == 0 ? eps : d[b] / sum - take;
      if (d[b] <= 0) {
        d[b] = Double.MIN_NORMAL;
      }
    }
    return true;
  }
}
