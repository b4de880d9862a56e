package io.kebridge.training.ke;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a training run returns: per-generation and per-epoch metrics, where its files are, and the
 * baselines trained beside it.
 *
 * @param cancelled true when {@link KeTrainer#cancel()} stopped it; resume from the last checkpoint
 * @param baselines the control runs asked for, by baseline
 */
public record KeResult(
    Path runDirectory,
    List<GenerationResult> generations,
    List<EpochMetrics> epochs,
    boolean cancelled,
    double seconds,
    Map<Baseline, KeResult> baselines) {
  public KeResult {
    generations = List.copyOf(generations);
    epochs = List.copyOf(epochs);
    baselines = Map.copyOf(baselines);
  }

  /** The last finished generation, or null when none finished. */
  public GenerationResult last() {
    return generations.isEmpty() ? null : generations.get(generations.size() - 1);
  }
}
