package io.kebridge.onnx.quantize;

import io.kebridge.onnx.OnnxException;
import java.util.Objects;

/**
 * How a float model becomes INT8.
 *
 * @param method how activation ranges are read from the calibration images
 * @param perChannel one weight scale per output channel (the default, what ONNX Runtime's integer
 *     convolutions are tuned for) or one per tensor
 * @param maxAccuracyLoss the most top-1 accuracy, in percentage points, the INT8 model may lose
 *     against the float model on the test images before the export fails
 * @param reduceRange weights in 7 bits ([-63, 63]) instead of 8: for CPUs without VNNI, whose
 *     8-bit products go through 16-bit sums that can saturate (AVX2, AVX-512 without VNNI)
 */
public record QuantizationSettings(
    CalibrationMethod method, boolean perChannel, double maxAccuracyLoss, boolean reduceRange) {

  /** Accuracy points an export may lose by default. */
  public static final double DEFAULT_MAX_LOSS = 1.0;

  public QuantizationSettings {
    Objects.requireNonNull(method, "method");
    if (!(maxAccuracyLoss >= 0 && maxAccuracyLoss <= 100)) {
      throw new OnnxException("the accuracy loss limit must be between 0 and 100 points, got "
          + maxAccuracyLoss);
    }
  }

  /** Min/max calibration, per-channel 8-bit weights, at most one point lost. */
  public static QuantizationSettings defaults() {
    return new QuantizationSettings(CalibrationMethod.defaults(), true, DEFAULT_MAX_LOSS, false);
  }

  /** One line: {@code minmax, per-channel weights}, {@code entropy, per-tensor 7-bit weights}. */
  public String describe() {
    return method.describe() + ", " + (perChannel ? "per-channel" : "per-tensor")
        + (reduceRange ? " 7-bit" : "") + " weights";
  }

  /** A copy with another calibration method. */
  public QuantizationSettings withMethod(CalibrationMethod m) {
    return new QuantizationSettings(m, perChannel, maxAccuracyLoss, reduceRange);
  }

  /** A copy with per-channel (true) or per-tensor (false) weight scales. */
  public QuantizationSettings withPerChannel(boolean p) {
    return new QuantizationSettings(method, p, maxAccuracyLoss, reduceRange);
  }

  /** A copy with another accuracy loss limit in points. */
  public QuantizationSettings withMaxAccuracyLoss(double points) {
    return new QuantizationSettings(method, perChannel, points, reduceRange);
  }

  /** A copy with 7-bit (true) or 8-bit (false) weights. */
  public QuantizationSettings withReduceRange(boolean r) {
    return new QuantizationSettings(method, perChannel, maxAccuracyLoss, r);
  }
}
