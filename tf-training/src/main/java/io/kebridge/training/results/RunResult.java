package io.kebridge.training.results;

import io.kebridge.models.run.GenerationRecord;
import java.nio.file.Path;
import java.util.List;

/**
 * What one training run (KE, or one control run) has produced so far: its generations and epochs.
 *
 * @param finished true when the run trained every generation it was asked for; false when it was
 *     cancelled, killed or is still running (resume it to finish)
 * @param seconds wall time of its training so far, summed over resumptions
 * @param init how it started from another network's weights ({@code --init-from}), or null
 */
public record RunResult(
    Path runDirectory,
    List<GenerationRecord> generations,
    List<EpochMetrics> epochs,
    boolean finished,
    double seconds,
    InitRecord init) {
  public RunResult {
    generations = List.copyOf(generations);
    epochs = List.copyOf(epochs);
  }

  /** A run that started from random weights. */
  public RunResult(Path runDirectory, List<GenerationRecord> generations,
      List<EpochMetrics> epochs, boolean finished, double seconds) {
    this(runDirectory, generations, epochs, finished, seconds, null);
  }

  /** The last finished generation, or null when none finished. */
  public GenerationRecord last() {
    return generations.isEmpty() ? null : generations.get(generations.size() - 1);
  }

  /**
   * Reads a run from its {@code metrics.jsonl}, without TensorFlow and without touching it.
   *
   * @throws io.kebridge.training.TrainingException when the folder holds no metrics or they are
   *     corrupt
   */
  public static RunResult read(Path runDir) {
    MetricsLog.Contents c = MetricsLog.read(runDir.resolve(MetricsLog.FILE));
    return new RunResult(runDir, c.generations(), c.epochs(), c.finished(), c.seconds(),
        c.init());
  }
}
