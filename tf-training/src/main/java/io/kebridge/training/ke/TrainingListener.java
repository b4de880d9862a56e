package io.kebridge.training.ke;

import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.InitRecord;
import java.nio.file.Path;

/**
 * Receives a run's progress on the training thread; the trainer itself prints nothing. Every
 * method has an empty default, so a listener overrides what it shows. A listener that throws
 * stops the run (the last checkpoint stays valid).
 */
public interface TrainingListener {

  /**
   * The run (or a baseline) starts or resumes.
   *
   * @param run {@code ke}, {@code long} or {@code slim-scratch}
   * @param stepsPerEpoch batches per epoch
   * @param fromGeneration the generation it starts in (greater than 1 after a resume)
   * @param fromEpoch epochs of that generation already done
   */
  default void onStart(
      String run, int generations, int epochs, int stepsPerEpoch, int fromGeneration,
      int fromEpoch) {}

  /**
   * A run that starts from another network's weights ({@code --init-from}) loaded them and
   * measured them, before its first training step.
   */
  default void onInit(String run, InitRecord init) {}

  /** A training step finished ({@code step} is 1-based within the epoch). */
  default void onStep(int generation, int epoch, int step, int steps, float loss) {}

  /** An epoch finished (after its checkpoint, when one was written). */
  default void onEpochEnd(EpochMetrics metrics) {}

  /** A generation finished and its weights were written. */
  default void onGenerationEnd(GenerationRecord result) {}

  /** A resume checkpoint was written to {@code folder}. */
  default void onCheckpoint(Path folder, int generation, int epochsDone) {}
}
