package io.kebridge.models.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * What a classifier scored on a labelled set: the confusion matrix (rows: true class, columns:
 * predicted class by top-1) and how many images had their true class among the {@code k} highest
 * logits. Every figure derives from these counts.
 *
 * @param labels class names, in label order
 * @param confusion {@code confusion[t][p]}: images of class {@code t} predicted as {@code p}
 * @param k the {@code k} of top-k
 * @param topKCorrect images whose class is among the {@code k} largest logits
 */
public record Evaluation(List<String> labels, int[][] confusion, int k, int topKCorrect) {
  public Evaluation {
    labels = List.copyOf(labels);
    int[][] copy = new int[confusion.length][];
    for (int i = 0; i < confusion.length; i++) {
      copy[i] = confusion[i].clone();
    }
    confusion = copy;
  }

  @Override
  public int[][] confusion() {
    int[][] copy = new int[confusion.length][];
    for (int i = 0; i < confusion.length; i++) {
      copy[i] = confusion[i].clone();
    }
    return copy;
  }

  /** Number of images evaluated. */
  public int total() {
    int n = 0;
    for (int[] row : confusion) {
      for (int v : row) {
        n += v;
      }
    }
    return n;
  }

  /** Images whose top-1 prediction is their class. */
  public int top1Correct() {
    int n = 0;
    for (int i = 0; i < confusion.length; i++) {
      n += confusion[i][i];
    }
    return n;
  }

  /** Top-1 accuracy in [0, 1] (0 for an empty set). */
  public double top1() {
    return fraction(top1Correct(), total());
  }

  /** Top-k accuracy in [0, 1]. */
  public double topK() {
    return fraction(topKCorrect, total());
  }

  /** One class's share of correct top-1 predictions. */
  public record ClassResult(String label, int correct, int total) {
    public double accuracy() {
      return fraction(correct, total);
    }
  }

  /** Top-1 accuracy of every class, in label order. */
  public List<ClassResult> perClass() {
    List<ClassResult> out = new ArrayList<>();
    for (int i = 0; i < confusion.length; i++) {
      int n = 0;
      for (int v : confusion[i]) {
        n += v;
      }
      out.add(new ClassResult(labels.get(i), confusion[i][i], n));
    }
    return out;
  }

  private static double fraction(int part, int whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }
}
