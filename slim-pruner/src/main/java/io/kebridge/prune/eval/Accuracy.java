package io.kebridge.prune.eval;

/**
 * Test accuracy as counted: {@code correct} of {@code total} images classified right.
 */
public record Accuracy(int correct, int total) {
  /** The fraction correct, in [0, 1] (0 for an empty set). */
  public double value() {
    return total == 0 ? 0 : (double) correct / total;
  }
}
