package io.kebridge.onnx.quantize;

import io.kebridge.onnx.OnnxException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How an INT8 model compares with the float model it came from on labelled test images.
 *
 * @param images test images both models ran
 * @param correctFloat images the float model classified right
 * @param correctInt8 images the INT8 model classified right
 * @param agreements images on which both models predict the same class
 * @param maxAbsDiff largest absolute logit difference
 * @param maxRelDiff {@code maxAbsDiff} over the largest absolute float logit
 */
public record QuantizationReport(int images, int correctFloat, int correctInt8, int agreements,
    double maxAbsDiff, double maxRelDiff) {

  /** Top-1 accuracy of the float model, in [0, 1]. */
  public double accuracyFloat() {
    return images == 0 ? 0 : (double) correctFloat / images;
  }

  /** Top-1 accuracy of the INT8 model, in [0, 1]. */
  public double accuracyInt8() {
    return images == 0 ? 0 : (double) correctInt8 / images;
  }

  /** Accuracy the INT8 model lost, in percentage points (negative when it gained). */
  public double lossPoints() {
    return 100 * (accuracyFloat() - accuracyInt8());
  }

  /** Share of images on which both models predict the same class, in [0, 1]. */
  public double agreement() {
    return images == 0 ? 0 : (double) agreements / images;
  }

  /** True when the loss is within {@code maxLossPoints}. */
  public boolean passed(double maxLossPoints) {
    return lossPoints() <= maxLossPoints + 1e-9;
  }

  /** One line for a user: the figures and the verdict against the limit. */
  public String describe(double maxLossPoints) {
    return String.format(Locale.ROOT,
        "INT8 vs FP32 on %d test images: accuracy FP32 %.2f%%, INT8 %.2f%% (loss %.2f points,"
            + " limit %.2f), top-1 agreement %.2f%%, max logit diff %.3e (relative %.3e): %s",
        images, 100 * accuracyFloat(), 100 * accuracyInt8(), lossPoints(), maxLossPoints,
        100 * agreement(), maxAbsDiff, maxRelDiff, passed(maxLossPoints) ? "PASS" : "FAIL");
  }

  /**
   * Throws when the INT8 model lost more than {@code maxLossPoints}, saying what to change.
   *
   * @param calibration what the ranges were measured on, for the message
   */
  public QuantizationReport require(double maxLossPoints, String calibration) {
    if (!passed(maxLossPoints)) {
      throw new OnnxException(describe(maxLossPoints) + ". The INT8 model loses more accuracy"
          + " than allowed with ranges calibrated on " + calibration + ": calibrate on more or"
          + " more representative images (--calibration N), try --calibration-method"
          + " percentile:99.99 or entropy, or raise the limit (--max-accuracy-loss)");
    }
    return this;
  }

  /** The figures as model-card extras (keys without the {@code ke.} prefix). */
  public Map<String, String> toCardExtras(double maxLossPoints) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("quantization.test_images", Integer.toString(images));
    m.put("quantization.accuracy_fp32", String.format(Locale.ROOT, "%.6f", accuracyFloat()));
    m.put("quantization.accuracy_int8", String.format(Locale.ROOT, "%.6f", accuracyInt8()));
    m.put("quantization.accuracy_loss_points", String.format(Locale.ROOT, "%.4f", lossPoints()));
    m.put("quantization.max_accuracy_loss_points",
        String.format(Locale.ROOT, "%.4f", maxLossPoints));
    m.put("quantization.top1_agreement", agreements + "/" + images);
    m.put("quantization.max_abs_logit_diff", String.format(Locale.ROOT, "%.3e", maxAbsDiff));
    m.put("quantization.max_rel_logit_diff", String.format(Locale.ROOT, "%.3e", maxRelDiff));
    return m;
  }
}
