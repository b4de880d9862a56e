package io.kebridge.onnx.parity;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How closely two implementations of one network agree on a batch of images.
 *
 * @param images number of images compared
 * @param maxAbsDiff largest absolute logit difference
 * @param maxRelDiff {@code maxAbsDiff} divided by the largest absolute reference logit
 * @param top1Agreements images whose top-1 class is the same in both
 * @param tolerance the largest relative difference that passes
 * @param reference what produced the reference logits (for example {@code tensorflow})
 */
public record ParityReport(
    int images,
    double maxAbsDiff,
    double maxRelDiff,
    int top1Agreements,
    double tolerance,
    String reference) {

  /** True when the relative difference is within the tolerance and every top-1 class agrees. */
  public boolean passed() {
    return maxRelDiff <= tolerance && top1Agreements == images;
  }

  /** The figures as model-card extras (keys without the {@code ke.} prefix). */
  public Map<String, String> toCardExtras() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("parity.reference", reference);
    m.put("parity.images", Integer.toString(images));
    m.put("parity.max_abs_diff", String.format(Locale.ROOT, "%.3e", maxAbsDiff));
    m.put("parity.max_rel_diff", String.format(Locale.ROOT, "%.3e", maxRelDiff));
    m.put("parity.top1_agreement", top1Agreements + "/" + images);
    m.put("parity.tolerance", String.format(Locale.ROOT, "%.0e", tolerance));
    m.put("parity.passed", Boolean.toString(passed()));
    return m;
  }

  /** One line for a user: the figures and the verdict. */
  public String describe() {
    return String.format(Locale.ROOT,
        "parity vs %s on %d images: max abs diff %.3e, max rel diff %.3e (limit %.0e), top-1 agreement %d/%d: %s",
        reference, images, maxAbsDiff, maxRelDiff, tolerance, top1Agreements, images,
        passed() ? "PASS" : "FAIL");
  }
}
