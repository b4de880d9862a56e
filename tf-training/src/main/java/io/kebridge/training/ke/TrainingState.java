package io.kebridge.training.ke;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Where a run stands, as a checkpoint's {@code state.json} keeps it: the generation being trained
 * and how many of its epochs are done (0 before its re-initialisation), and the metrics so far.
 * Data order, augmentation and re-init draws derive from (seed, generation, epoch), so nothing else
 * is needed to continue exactly.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record TrainingState(
    int generation,
    int epochsDone,
    boolean finished,
    double seconds,
    List<EpochMetrics> epochs,
    List<GenerationResult> generations) {
  TrainingState {
    epochs = List.copyOf(epochs == null ? List.of() : epochs);
    generations = List.copyOf(generations == null ? List.of() : generations);
  }

  static TrainingState fresh() {
    return new TrainingState(1, 0, false, 0, List.of(), List.of());
  }
}
