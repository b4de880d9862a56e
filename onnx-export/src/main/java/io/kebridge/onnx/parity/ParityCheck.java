package io.kebridge.onnx.parity;

import io.kebridge.models.forward.Forward;
import io.kebridge.onnx.OnnxException;

/**
 * Compares the logits of two {@link Forward}s (the TensorFlow graph and ONNX Runtime) on the same
 * images. The relative difference is taken against the largest reference logit rather than element
 * by element, because logits near zero would make element-wise ratios meaningless.
 */
public final class ParityCheck {
  /** The relative logit difference an export may have: float32 rounding, not a different net. */
  public static final double TOLERANCE = 1e-4;

  private ParityCheck() {}

  /** Runs both networks on {@code images} and compares their logits. */
  public static ParityReport compare(
      Forward reference, Forward candidate, float[][] images, String referenceName) {
    if (images.length == 0) {
      throw new OnnxException("a parity check needs at least one image");
    }
    return compare(reference.logits(images), candidate.logits(images), referenceName);
  }

  /** Compares logits that were computed already. */
  public static ParityReport compare(float[][] ref, float[][] got, String referenceName) {
    if (ref.length != got.length) {
      throw new OnnxException(
          "parity: the reference gave " + ref.length + " rows of logits, the candidate "
              + got.length);
    }
    double maxAbs = 0;
    double scale = 0;
    int agree = 0;
    for (int i = 0; i < ref.length; i++) {
      if (ref[i].length != got[i].length) {
        throw new OnnxException(
            "parity: image " + i + " has " + ref[i].length + " reference logits and "
                + got[i].length + " candidate logits");
      }
      for (int j = 0; j < ref[i].length; j++) {
        double d = Math.abs((double) ref[i][j] - got[i][j]);
        if (!(d == d)) {
          d = Double.POSITIVE_INFINITY; // NaN on either side is a failure, never a pass
        }
        maxAbs = Math.max(maxAbs, d);
        scale = Math.max(scale, Math.abs(ref[i][j]));
      }
      if (Forward.top1(ref[i]) == Forward.top1(got[i])) {
        agree++;
      }
    }
    double rel = maxAbs == 0 ? 0 : maxAbs / Math.max(scale, Double.MIN_NORMAL);
    return new ParityReport(ref.length, maxAbs, rel, agree, TOLERANCE, referenceName);
  }

  /** Throws with the figures when the report failed. */
  public static ParityReport require(ParityReport report) {
    if (!report.passed()) {
      throw new OnnxException("the exported model does not match: " + report.describe());
    }
    return report;
  }
}
