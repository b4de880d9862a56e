package io.kebridge.models.eval;

import io.kebridge.models.ModelException;
import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.forward.Forward;

/**
 * Measures a classifier on a labelled dataset through any {@link Forward} (TensorFlow, ONNX
 * Runtime), so every stack's accuracy is counted the same way: pixels in [0, 1] normalised per
 * channel as the model card says ({@code (x - mean[c]) / std[c]}), one forward call per batch, the
 * prediction the first index of the largest logit.
 */
public final class Evaluator {
  private Evaluator() {}

  /**
   * Classifies every image of {@code data}.
   *
   * @param k the k of top-k accuracy (at least 1; capped at the number of classes)
   * @throws ModelException when the normalisation, the batch size or the network's class count do
   *     not fit the data
   */
  public static Evaluation evaluate(
      Forward forward, Dataset data, ChannelStats normalization, int batchSize, int k) {
    int c = data.shape().channels();
    if (normalization.mean().length != c) {
      throw new ModelException("normalisation needs one mean and std per channel (" + c
          + "), got " + normalization.mean().length);
    }
    if (batchSize <= 0) {
      throw new ModelException("batch size must be positive, got " + batchSize);
    }
    if (k <= 0) {
      throw new ModelException("top-k needs k >= 1, got " + k);
    }
    int classes = data.classes();
    int[][] confusion = new int[classes][classes];
    int topK = 0;
    int kk = Math.min(k, classes);
    for (int start = 0; start < data.size(); start += batchSize) {
      int n = Math.min(batchSize, data.size() - start);
      float[][] batch = new float[n][];
      for (int i = 0; i < n; i++) {
        batch[i] = normalization.normalize(data.image(start + i));
      }
      float[][] logits = forward.logits(batch);
      for (int i = 0; i < n; i++) {
        if (logits[i].length != classes) {
          throw new ModelException("the network gives " + logits[i].length + " class scores, "
              + data.name() + " has " + classes + " classes");
        }
        int truth = data.label(start + i);
        confusion[truth][Forward.top1(logits[i])]++;
        if (rank(logits[i], truth) < kk) {
          topK++;
        }
      }
    }
    return new Evaluation(data.classNames(), confusion, kk, topK);
  }

  /**
   * How many classes score above {@code truth}'s logit, ties counted for the lower index (so that
   * top-1 by rank agrees with {@link Forward#top1}).
   */
  private static int rank(float[] logits, int truth) {
    int above = 0;
    for (int j = 0; j < logits.length; j++) {
      if (logits[j] > logits[truth] || (logits[j] == logits[truth] && j < truth)) {
        above++;
      }
    }
    return above;
  }
}
