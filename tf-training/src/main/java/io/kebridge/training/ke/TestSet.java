package io.kebridge.training.ke;

import io.kebridge.models.data.Dataset;
import io.kebridge.training.data.Preprocessing;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The test split prepared once for evaluation (normalised, NHWC), and the fixed seeded sample of
 * it that in-between evaluations use: the same images every time, so that accuracies along a run
 * can be compared with each other.
 */
final class TestSet {
  final float[] images;
  final int[] labels;
  final float[] subsetImages;
  final int[] subsetLabels;
  final int perImage;

  private TestSet(float[] images, int[] labels, float[] subsetImages, int[] subsetLabels,
      int perImage) {
    this.images = images;
    this.labels = labels;
    this.subsetImages = subsetImages;
    this.subsetLabels = subsetLabels;
    this.perImage = perImage;
  }

  /**
   * Prepares {@code test}; {@code subset} images (0 or more than the split = all of them) are drawn
   * with {@code seed} for the checks between generation ends.
   */
  static TestSet of(Dataset test, Preprocessing prep, int subset, long seed) {
    int per = (int) test.shape().elements();
    float[] x = new float[test.size() * per];
    int[] y = new int[test.size()];
    for (int i = 0; i < test.size(); i++) {
      prep.eval(test.image(i), x, i * per);
      y[i] = test.label(i);
    }
    if (subset <= 0 || subset >= test.size()) {
      return new TestSet(x, y, x, y, per);
    }
    int[] order = new int[test.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 17);
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int[] picked = Arrays.copyOf(order, subset);
    Arrays.sort(picked);
    float[] sx = new float[subset * per];
    int[] sy = new int[subset];
    for (int i = 0; i < subset; i++) {
      System.arraycopy(x, picked[i] * per, sx, i * per, per);
      sy[i] = y[picked[i]];
    }
    return new TestSet(x, y, sx, sy, per);
  }

  int size() {
    return labels.length;
  }

  int subsetSize() {
    return subsetLabels.length;
  }
}
