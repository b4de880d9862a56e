package io.kebridge.onnx.quantize;

import io.kebridge.onnx.OnnxException;

/**
 * The range of real values an activation tensor is given 8-bit steps for, as calibration measured
 * (and possibly clipped) it.
 */
public record TensorRange(float min, float max) {

  public TensorRange {
    if (!Float.isFinite(min) || !Float.isFinite(max) || min > max) {
      throw new OnnxException("invalid activation range [" + min + ", " + max + "]; the float"
          + " model produced infinite or NaN values on the calibration images");
    }
  }

  /** This range cut to {@code [lo, hi]} (a Clip's bounds), never empty. */
  public TensorRange clip(float lo, float hi) {
    float a = Math.max(min, lo);
    float b = Math.min(max, hi);
    return a <= b ? new TensorRange(a, b) : new TensorRange(lo, lo);
  }
}
