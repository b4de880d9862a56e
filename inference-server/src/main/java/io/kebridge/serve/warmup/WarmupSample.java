package io.kebridge.serve.warmup;

import java.util.List;

/**
 * One warm-up inference: a whole batch of {@code batchSize} rows (one flat array and full shape
 * per model input, in the model's input order), run {@code count} times before the model version
 * is reported ready.
 */
public record WarmupSample(String name, int batchSize, List<float[]> inputs, List<long[]> shapes,
    int count) {
  /** Keeps the lists unmodifiable. */
  public WarmupSample {
    inputs = List.copyOf(inputs);
    shapes = List.copyOf(shapes);
  }
}
