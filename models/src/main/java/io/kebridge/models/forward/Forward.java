package io.kebridge.models.forward;

/**
 * A network ready to compute logits: the seam between modules that must not depend on each other.
 * The TensorFlow graph ({@code tf-training}) and ONNX Runtime ({@code onnx-export}) both implement
 * it, so a parity check or an equivalence test compares two {@code Forward}s without either module
 * knowing the other. Owns native resources: close it.
 */
public interface Forward extends AutoCloseable {

  /**
   * Logits for a batch in inference mode (batch-norm uses its running statistics).
   *
   * @param images one normalised, channel-major ({@code C x H x W}) array per image, in the
   *     network's input shape
   * @return one array of class scores per image
   */
  float[][] logits(float[][] images);

  /** The predicted class of one row of logits: the first index of the largest value. */
  static int top1(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }

  /** Releases native resources; further calls throw {@link IllegalStateException}. */
  @Override
  void close();
}
