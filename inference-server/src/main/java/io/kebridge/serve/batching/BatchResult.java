package io.kebridge.serve.batching;

import java.util.List;

/**
 * The outputs of one request, cut out of its batch: one flat row-major array and shape per model
 * output, in the model's output order, plus how many rows the batch had (for logs and tests).
 */
public record BatchResult(List<float[]> outputs, List<long[]> shapes, int batchRows) {
  /** Keeps the lists unmodifiable. */
  public BatchResult {
    outputs = List.copyOf(outputs);
    shapes = List.copyOf(shapes);
  }
}
