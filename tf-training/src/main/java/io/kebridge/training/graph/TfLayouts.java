package io.kebridge.training.graph;

import io.kebridge.models.spec.ParamSpec;

/**
 * The one place where canonical layouts (conv {@code [out, in, kh, kw]}, dense {@code [out, in]},
 * images {@code C x H x W}) meet TensorFlow's (conv {@code [kh, kw, in, out]}, dense {@code [in,
 * out]}, images {@code H x W x C}). Everything outside {@code tf-training} sees canonical layouts
 * only; everything inside a graph is TF layout, because NHWC graphs are the fast ones on CPU.
 */
public final class TfLayouts {
  private TfLayouts() {}

  /** The shape a parameter has inside the TF graph. */
  public static long[] tfShape(ParamSpec p) {
    int[] s = p.shape();
    switch (p.kind()) {
      case CONV_WEIGHT:
        return new long[] {s[2], s[3], s[1], s[0]};
      case DENSE_WEIGHT:
        return new long[] {s[1], s[0]};
      default:
        long[] out = new long[s.length];
        for (int i = 0; i < s.length; i++) {
          out[i] = s[i];
        }
        return out;
    }
  }

  /**
   * The TF axis that holds canonical axis {@code axis} of {@code p}: a conv filter's output and
   * input channels are TF axes 3 and 2, a dense weight's output and input features axes 1 and 0.
   */
  public static int tfAxis(ParamSpec p, int axis) {
    switch (p.kind()) {
      case CONV_WEIGHT:
        return new int[] {3, 2, 0, 1}[axis];
      case DENSE_WEIGHT:
        return 1 - axis;
      default:
        return axis;
    }
  }

  /** Converts canonical values of {@code p} into TF layout (a new array). */
  public static float[] toTf(ParamSpec p, float[] canonical) {
    int[] s = p.shape();
    switch (p.kind()) {
      case CONV_WEIGHT:
        return oihwToHwio(canonical, s[0], s[1], s[2], s[3]);
      case DENSE_WEIGHT:
        return transpose(canonical, s[0], s[1]);
      default:
        return canonical.clone();
    }
  }

  /** Converts TF-layout values of {@code p} back to the canonical layout (a new array). */
  public static float[] fromTf(ParamSpec p, float[] tf) {
    int[] s = p.shape();
    switch (p.kind()) {
      case CONV_WEIGHT:
        return hwioToOihw(tf, s[0], s[1], s[2], s[3]);
      case DENSE_WEIGHT:
        return transpose(tf, s[1], s[0]);
      default:
        return tf.clone();
    }
  }

  static float[] oihwToHwio(float[] w, int o, int i, int kh, int kw) {
    float[] out = new float[w.length];
    for (int a = 0; a < o; a++) {
      for (int b = 0; b < i; b++) {
        for (int y = 0; y < kh; y++) {
          for (int x = 0; x < kw; x++) {
            out[((y * kw + x) * i + b) * o + a] = w[((a * i + b) * kh + y) * kw + x];
          }
        }
      }
    }
    return out;
  }

  static float[] hwioToOihw(float[] w, int o, int i, int kh, int kw) {
    float[] out = new float[w.length];
    for (int a = 0; a < o; a++) {
      for (int b = 0; b < i; b++) {
        for (int y = 0; y < kh; y++) {
          for (int x = 0; x < kw; x++) {
            out[((a * i + b) * kh + y) * kw + x] = w[((y * kw + x) * i + b) * o + a];
          }
        }
      }
    }
    return out;
  }

  /** Transposes a row-major {@code rows x cols} matrix. */
  static float[] transpose(float[] m, int rows, int cols) {
    float[] out = new float[m.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = m[r * cols + c];
      }
    }
    return out;
  }

  /**
   * Writes one {@code C x H x W} image into {@code dst} at {@code offset} as {@code H x W x C}.
   */
  public static void chwToHwc(float[] chw, int c, int h, int w, float[] dst, int offset) {
    int hw = h * w;
    for (int ch = 0; ch < c; ch++) {
      int src = ch * hw;
      for (int p = 0; p < hw; p++) {
        dst[offset + p * c + ch] = chw[src + p];
      }
    }
  }
}
