package io.kebridge.onnx.quantize;

/**
 * Signed 8-bit symmetric weights (zero point 0, steps in [-127, 127], or [-63, 63] with reduced
 * range) with one scale per output
 * channel or per tensor, and 32-bit biases on the grid of {@code inputScale * weightScale[c]}:
 * what a fused integer convolution or Gemm accumulates into, so its bias adds no rounding of its
 * own beyond this.
 */
final class WeightQuantization {
  /** Largest magnitude of a symmetric int8 step. */
  static final int QMAX = 127;

  /** Largest magnitude with reduced range: 7-bit weights, as ONNX Runtime's reduce_range. */
  static final int QMAX_REDUCED = 63;

  private WeightQuantization() {}

  /** An int8 weight and its scales (one per channel of the axis, or one). */
  record Weight(byte[] values, float[] scales) {}

  /** An int32 bias and its scales {@code inputScale * weightScale[c]} (one per channel, or one). */
  record Bias(int[] values, float[] scales) {}

  /**
   * Quantises {@code weight} (row-major {@code shape}) along {@code axis} ({@code perChannel}) or
   * as a whole. Where {@code bias} would not fit in 32 bits at {@code inputScale * scale}, that
   * channel's scale is raised until it does (a near-zero channel with a large bias).
   *
   * @param bias the float bias the weight will be used with, one per channel of {@code axis}, or
   *     null
   * @param qmax the largest step, {@link #QMAX} or {@link #QMAX_REDUCED}
   */
  static Weight weight(float[] weight, int[] shape, int axis, boolean perChannel, float[] bias,
      float inputScale, int qmax) {
    int channels = shape[axis];
    int inner = 1;
    for (int d = axis + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    float[] absMax = new float[perChannel ? channels : 1];
    for (int i = 0; i < weight.length; i++) {
      int c = perChannel ? (i / inner) % channels : 0;
      absMax[c] = Math.max(absMax[c], Math.abs(weight[i]));
    }
    float[] scales = new float[absMax.length];
    for (int c = 0; c < scales.length; c++) {
      // ONNX Runtime's rule: the symmetric range [-absmax, absmax] over the steps of [-qmax, qmax]
      scales[c] = absMax[c] > 0 ? absMax[c] / qmax : 1f;
    }
    if (bias != null) {
      for (int o = 0; o < bias.length; o++) {
        int c = perChannel ? o : 0;
        double needed = Math.abs((double) bias[o]) / ((double) inputScale * Integer.MAX_VALUE);
        if (needed > scales[c]) {
          scales[c] = (float) (needed * (1 + 1e-6));
        }
      }
    }
    byte[] q = new byte[weight.length];
    for (int i = 0; i < weight.length; i++) {
      int c = perChannel ? (i / inner) % channels : 0;
      // float32 division as numpy does it, so ties round the same way as ONNX Runtime's quantiser
      float v = weight[i] / scales[c];
      q[i] = (byte) Math.max(-qmax, Math.min(qmax, (int) Math.rint(v)));
    }
    return new Weight(q, scales);
  }

  /** The bias on the grid of {@code inputScale * weightScales[c]}, saturated to 32 bits. */
  static Bias bias(float[] bias, float inputScale, float[] weightScales, boolean perChannel) {
    float[] scales = new float[perChannel ? bias.length : 1];
    for (int c = 0; c < scales.length; c++) {
      scales[c] = inputScale * weightScales[perChannel ? c : 0];
    }
    int[] q = new int[bias.length];
    for (int o = 0; o < bias.length; o++) {
      double v = Math.rint(bias[o] / scales[perChannel ? o : 0]);
      q[o] = (int) Math.max(Integer.MIN_VALUE + 1, Math.min(Integer.MAX_VALUE, v));
    }
    return new Bias(q, scales);
  }
}
