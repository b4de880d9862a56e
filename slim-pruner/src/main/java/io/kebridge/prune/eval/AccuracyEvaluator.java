package io.kebridge.prune.eval;

import io.kebridge.models.data.Dataset;
import io.kebridge.models.forward.Forward;
import io.kebridge.prune.PruneException;

/**
 * Measures a network's accuracy on a dataset through any {@link Forward} (a TensorFlow graph, ONNX
 * Runtime), so the pruner can check a slim network without depending on either. Pixels in [0, 1]
 * are normalised per channel as the model card says: {@code (x - mean[c]) / std[c]}.
 */
public final class AccuracyEvaluator {
  private AccuracyEvaluator() {}

  /**
   * Classifies every image of {@code data} in batches of {@code batchSize}; a prediction is the
   * first index of the largest logit.
   */
  public static Accuracy evaluate(
      Forward forward, Dataset data, float[] mean, float[] std, int batchSize) {
    int c = data.shape().channels();
    if (mean.length != c || std.length != c) {
      throw new PruneException("normalisation needs one mean and std per channel (" + c
          + "), got " + mean.length + " and " + std.length);
    }
    if (batchSize <= 0) {
      throw new PruneException("batch size must be positive, got " + batchSize);
    }
    int hw = data.shape().height() * data.shape().width();
    int correct = 0;
    for (int start = 0; start < data.size(); start += batchSize) {
      int n = Math.min(batchSize, data.size() - start);
      float[][] batch = new float[n][];
      for (int i = 0; i < n; i++) {
        batch[i] = normalise(data.image(start + i), mean, std, hw);
      }
      float[][] logits = forward.logits(batch);
      for (int i = 0; i < n; i++) {
        if (argmax(logits[i]) == data.label(start + i)) {
          correct++;
        }
      }
    }
    return new Accuracy(correct, data.size());
  }

  static float[] normalise(float[] image, float[] mean, float[] std, int hw) {
    float[] x = new float[image.length];
    for (int i = 0; i < image.length; i++) {
      int ch = i / hw;
      x[i] = (image[i] - mean[ch]) / std[ch];
    }
    return x;
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
