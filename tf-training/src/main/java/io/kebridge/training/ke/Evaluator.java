package io.kebridge.training.ke;

import java.util.Arrays;

/**
 * Measures test accuracy of the dense network, and of the slim network where the split has one, on
 * the whole test split or on its fixed subset, in batches through the training graph's inference
 * path (batch-norm with its running statistics).
 */
final class Evaluator {
  /** Accuracies of one evaluation and how many images they were measured on. */
  record Accuracies(double dense, Double slim, int images) {}

  private final KeGraph graph;
  private final TestSet test;
  private final int batchSize;
  private final boolean slim;

  Evaluator(KeGraph graph, TestSet test, int batchSize, boolean slim) {
    this.graph = graph;
    this.test = test;
    this.batchSize = batchSize;
    this.slim = slim;
  }

  /** Evaluates on {@code images} test images: the whole split, or the subset's size. */
  Accuracies evaluate(int images) {
    boolean whole = images >= test.size();
    float[] x = whole ? test.images : test.subsetImages;
    int[] y = whole ? test.labels : test.subsetLabels;
    double dense = accuracy(x, y, false);
    Double s = slim ? accuracy(x, y, true) : null;
    return new Accuracies(dense, s, y.length);
  }

  private double accuracy(float[] x, int[] y, boolean slimNet) {
    int per = test.perImage;
    int right = 0;
    for (int start = 0; start < y.length; start += batchSize) {
      int n = Math.min(batchSize, y.length - start);
      int[] pred = graph.predict(Arrays.copyOfRange(x, start * per, (start + n) * per), n, slimNet);
      for (int i = 0; i < n; i++) {
        if (pred[i] == y[start + i]) {
          right++;
        }
      }
    }
    return y.length == 0 ? 0 : (double) right / y.length;
  }
}
