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
    int per = test.perImage;
    int denseRight = 0;
    int slimRight = 0;
    for (int start = 0; start < y.length; start += batchSize) {
      int n = Math.min(batchSize, y.length - start);
      float[] batch = Arrays.copyOfRange(x, start * per, (start + n) * per);
      // both networks in one run: one feed, and the slim branch's small ops run beside the dense
      int[][] pred = slim ? graph.predictDenseAndSlim(batch, n)
          : new int[][] {graph.predict(batch, n, false)};
      for (int i = 0; i < n; i++) {
        denseRight += pred[0][i] == y[start + i] ? 1 : 0;
        slimRight += slim && pred[1][i] == y[start + i] ? 1 : 0;
      }
    }
    return new Accuracies(fraction(denseRight, y.length),
        slim ? fraction(slimRight, y.length) : null, y.length);
  }

  private static double fraction(int right, int of) {
    return of == 0 ? 0 : (double) right / of;
  }
}
