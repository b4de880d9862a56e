package io.kebridge.onnx.quantize;

import io.kebridge.onnx.OnnxException;
import java.util.Locale;

/**
 * How the range of each activation is read from what the calibration images produce. Every method
 * sees the same values; they differ in how many outliers they give up for finer steps.
 */
public sealed interface CalibrationMethod {

  /** What {@link #parse} reads back: {@code minmax}, {@code percentile:99.99}, {@code entropy}. */
  String describe();

  /** The smallest and largest value seen: nothing saturates, outliers widen every step. */
  record MinMax() implements CalibrationMethod {
    @Override
    public String describe() {
      return "minmax";
    }
  }

  /**
   * Cuts the {@code 100 - percentile} per cent most extreme values at each end of the distribution
   * (only the top end for a non-negative tensor such as a ReLU's output).
   *
   * @param percentile in (50, 100]; 100 is {@link MinMax}
   */
  record Percentile(double percentile) implements CalibrationMethod {
    public Percentile {
      if (!(percentile > 50 && percentile <= 100)) {
        throw new OnnxException("the calibration percentile must be above 50 and at most 100, got "
            + percentile);
      }
    }

    @Override
    public String describe() {
      return "percentile:" + trim(percentile);
    }
  }

  /**
   * The threshold whose 8-bit histogram loses the least information (smallest KL divergence from
   * the full-precision histogram), the method TensorRT made common.
   */
  record Entropy() implements CalibrationMethod {
    @Override
    public String describe() {
      return "entropy";
    }
  }

  /** The default: min/max, what ONNX Runtime's own quantiser defaults to. */
  static CalibrationMethod defaults() {
    return new MinMax();
  }

  /**
   * Reads {@code minmax}, {@code percentile:P} or {@code entropy}.
   *
   * @throws OnnxException naming the accepted forms
   */
  static CalibrationMethod parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("minmax")) {
      return new MinMax();
    }
    if (t.equals("entropy")) {
      return new Entropy();
    }
    if (t.startsWith("percentile:")) {
      String p = t.substring("percentile:".length());
      try {
        return new Percentile(Double.parseDouble(p));
      } catch (NumberFormatException e) {
        throw new OnnxException("calibration method '" + text + "': '" + p + "' is not a number,"
            + " e.g. percentile:99.99", e);
      }
    }
    throw new OnnxException("unknown calibration method '" + text
        + "'; expected minmax, percentile:P (50 < P <= 100, e.g. percentile:99.99) or entropy");
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
