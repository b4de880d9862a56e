package io.kebridge.training.results;

import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.TrainingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A KE run with the control runs trained beside it: what {@code ke train} produces and its report
 * shows. The KE run is in {@code runDirectory}, each baseline in {@code
 * runDirectory/baselines/LABEL}.
 *
 * @param ke the KE run
 * @param baselines the control runs, by baseline; empty when none were asked for
 */
public record KeResult(RunResult ke, Map<Baseline, RunResult> baselines) {
  /** Where the baselines of a run live, relative to its directory. */
  public static final String BASELINES = "baselines";

  public KeResult {
    baselines = baselines.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(baselines));
  }

  /** The folder of baseline {@code b} beside the KE run in {@code runDir}. */
  public static Path baselineDirectory(Path runDir, Baseline b) {
    return runDir.resolve(BASELINES).resolve(b.label());
  }

  /**
   * Reads a finished or partial run and the baselines in its folder from their {@code
   * metrics.jsonl} files (no TensorFlow, nothing written).
   */
  public static KeResult read(Path runDir) {
    if (!Files.isDirectory(runDir)) {
      throw new TrainingException("run directory " + runDir + " does not exist");
    }
    RunResult ke = RunResult.read(runDir);
    Map<Baseline, RunResult> b = new EnumMap<>(Baseline.class);
    for (Baseline kind : Baseline.values()) {
      Path dir = baselineDirectory(runDir, kind);
      if (Files.isRegularFile(dir.resolve(MetricsLog.FILE))) {
        b.put(kind, RunResult.read(dir));
      }
    }
    return new KeResult(ke, b);
  }

  public Path runDirectory() {
    return ke.runDirectory();
  }

  public List<GenerationRecord> generations() {
    return ke.generations();
  }

  public List<EpochMetrics> epochs() {
    return ke.epochs();
  }

  /** The last finished KE generation, or null when none finished. */
  public GenerationRecord last() {
    return ke.last();
  }

  /** True when the KE run and every baseline finished. */
  public boolean finished() {
    return ke.finished() && baselines.values().stream().allMatch(RunResult::finished);
  }

  /** Wall time of the KE run and its baselines. */
  public double seconds() {
    return ke.seconds() + baselines.values().stream().mapToDouble(RunResult::seconds).sum();
  }
}
