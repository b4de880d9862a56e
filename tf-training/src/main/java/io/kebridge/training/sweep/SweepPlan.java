package io.kebridge.training.sweep;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.io.JsonErrors;
import io.kebridge.training.TrainingException;
import io.kebridge.training.ke.GenerationLoop;
import io.kebridge.training.results.Baseline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code SWEEP_DIR/plan.json}: every run of a sweep with its complete config, so that a run can
 * be started by its index alone (locally, by hand, or as one pod of a Kubernetes Indexed Job) and
 * always trains the same thing. Written once, atomically, after every row was checked.
 *
 * @param seeds the seeds the sweep varies
 * @param splits the splits it varies, in their canonical form
 * @param baselines the control runs it trains
 * @param threadsPerRun TensorFlow threads of each run
 */
public record SweepPlan(
    int version,
    List<Long> seeds,
    List<String> splits,
    List<Baseline> baselines,
    int threadsPerRun,
    List<PlanRow> rows) {
  /** The plan's file name in a sweep directory. */
  public static final String FILE = "plan.json";

  static final int VERSION = 1;

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  public SweepPlan {
    seeds = List.copyOf(seeds);
    splits = List.copyOf(splits);
    baselines = List.copyOf(baselines);
    rows = List.copyOf(rows);
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).index() != i) {
        throw new TrainingException("plan row " + i + " carries index " + rows.get(i).index());
      }
    }
  }

  /** The plan of a sweep. */
  public static SweepPlan of(SweepSpec spec) {
    return new SweepPlan(VERSION, spec.seeds(), spec.splits(), spec.baselines(),
        spec.threadsPerRun(), spec.rows());
  }

  /**
   * Checks every row against the data it will train on (the network builds, the split's masks fit
   * it), so that a sweep is refused before anything is written.
   */
  public void check(DataSplits data) {
    for (PlanRow row : rows) {
      try {
        GenerationLoop.check(row.config(), row.baseline(), data);
      } catch (RuntimeException e) {
        throw new TrainingException("run " + row.label() + ": " + e.getMessage(), e);
      }
    }
  }

  /** The row of completion index {@code index}. */
  public PlanRow row(int index) {
    if (index < 0 || index >= rows.size()) {
      throw new TrainingException("index " + index + " is outside the plan's " + rows.size()
          + " runs (0 to " + (rows.size() - 1) + ")");
    }
    return rows.get(index);
  }

  /**
   * The runs a (seed, split) pair needs, as one Katib trial runs them: KE with that split, the
   * seed's long control, and slim-from-scratch of that split where it has one.
   */
  public List<PlanRow> rowsFor(long seed, String split) {
    String canonical;
    try {
      canonical = io.kebridge.models.split.SplitPlan.parse(split, 0).describe();
    } catch (RuntimeException e) {
      throw new TrainingException(e.getMessage(), e);
    }
    List<PlanRow> out = new ArrayList<>();
    for (PlanRow r : rows) {
      if (r.seed() == seed && (r.split() == null || r.split().equals(canonical))) {
        out.add(r);
      }
    }
    if (out.stream().noneMatch(r -> r.baseline() == null)) {
      throw new TrainingException("the plan has no KE run with seed " + seed + " and split "
          + canonical + " (seeds " + seeds + ", splits " + splits + ")");
    }
    return out;
  }

  /** The folder of a row's run. */
  public static Path runDirectory(Path sweepDir, PlanRow row) {
    return sweepDir.resolve(row.folder());
  }

  /** Writes {@code plan.json} into {@code sweepDir} atomically. */
  public void write(Path sweepDir) {
    try {
      Files.createDirectories(sweepDir);
      AtomicFiles.writeString(sweepDir.resolve(FILE), JSON.writeValueAsString(this));
    } catch (IOException e) {
      throw new TrainingException("cannot write " + sweepDir.resolve(FILE) + ": "
          + e.getMessage(), e);
    }
  }

  /** True when {@code sweepDir} holds a plan. */
  public static boolean exists(Path sweepDir) {
    return Files.isRegularFile(sweepDir.resolve(FILE));
  }

  /**
   * Reads {@code sweepDir/plan.json}.
   *
   * @throws TrainingException when it is missing or not a plan
   */
  public static SweepPlan read(Path sweepDir) {
    Path file = sweepDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new TrainingException(sweepDir + " is not a sweep directory (no " + FILE + "); "
          + "write one with ke sweep ... --out " + sweepDir);
    }
    try {
      SweepPlan p = JSON.readValue(file.toFile(), SweepPlan.class);
      if (p == null) {
        throw new TrainingException("cannot read the sweep plan " + file + ": null");
      }
      if (p.version() != VERSION) {
        throw new TrainingException(file + " is plan version " + p.version() + ", this ke reads "
            + VERSION);
      }
      return p;
    } catch (IOException e) {
      if (e.getCause() instanceof TrainingException t) {
        throw new TrainingException("the sweep plan " + file + " is not valid: " + t.getMessage(),
            e);
      }
      throw new TrainingException(JsonErrors.sentence("the sweep plan", file, e), e);
    }
  }

  /** The plan as {@code plan.json} holds it. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new TrainingException("cannot encode the sweep plan: " + e.getMessage(), e);
    }
  }
}
