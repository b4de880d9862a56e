package io.kebridge.training.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.InitRecord;
import java.util.List;

/**
 * Where a run stands, as a checkpoint's {@code state.json} keeps it: the generation being trained
 * and how many of its epochs are done (0 before its re-initialisation), and the metrics so far.
 * Data order, augmentation and re-init draws derive from (seed, generation, epoch), so nothing else
 * is needed to continue exactly.
 *
 * @param finished true once the last generation's files are written
 * @param seconds training wall time so far, summed over resumptions
 * @param init how the run started from another network's weights, or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainingState(
    int generation,
    int epochsDone,
    boolean finished,
    double seconds,
    List<EpochMetrics> epochs,
    List<GenerationRecord> generations,
    InitRecord init) {
  public TrainingState {
    epochs = List.copyOf(epochs == null ? List.of() : epochs);
    generations = List.copyOf(generations == null ? List.of() : generations);
  }

  /** The state of a run that has not trained yet. */
  public static TrainingState fresh() {
    return new TrainingState(1, 0, false, 0, List.of(), List.of(), null);
  }
}
