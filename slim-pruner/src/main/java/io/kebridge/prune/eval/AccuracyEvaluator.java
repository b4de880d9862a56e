package io.kebridge.prune.eval;

import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.eval.Evaluation;
import io.kebridge.models.eval.Evaluator;
import io.kebridge.models.forward.Forward;
import io.kebridge.prune.PruneException;

/**
 * Measures a network's top-1 accuracy on a dataset through any {@link Forward} (a TensorFlow graph,
 * ONNX Runtime), so the pruner can check a slim network without depending on either; the counting
 * is {@code models}' {@link Evaluator}. Pixels in [0, 1] are normalised per channel as the model
 * card says: {@code (x - mean[c]) / std[c]}.
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
    Evaluation e = Evaluator.evaluate(forward, data, new ChannelStats(mean, std), batchSize, 1);
    return new Accuracy(e.top1Correct(), e.total());
  }
}
