package io.kebridge.training.sweep;

import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.split.WelsPlan;
import io.kebridge.training.TrainingException;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.results.Baseline;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What a sweep varies over one base config: the seeds, the splits and the control runs, and the
 * TensorFlow threads every run gets (part of what a run is: results on CPU are bit-identical only
 * at the same thread count).
 *
 * @param base every other setting; its seed, split and baselines are replaced per run
 * @param threadsPerRun TensorFlow threads of each run (0 = TensorFlow's choice)
 */
public record SweepSpec(
    KeConfig base, List<Long> seeds, List<String> splits, List<Baseline> baselines,
    int threadsPerRun) {

  public SweepSpec {
    seeds = List.copyOf(seeds);
    splits = List.copyOf(splits);
    baselines = List.copyOf(baselines);
    if (seeds.isEmpty() || splits.isEmpty()) {
      throw new TrainingException("a sweep needs at least one seed and one split");
    }
    if (new LinkedHashSet<>(seeds).size() != seeds.size()) {
      throw new TrainingException("the seeds " + seeds + " repeat a value");
    }
    List<String> described = new ArrayList<>();
    for (String s : splits) {
      described.add(parse(s, 0).describe());
    }
    if (new LinkedHashSet<>(described).size() != described.size()) {
      throw new TrainingException("the splits " + splits + " repeat a split");
    }
    splits = List.copyOf(described);
    if (threadsPerRun < 0) {
      throw new TrainingException("threads per run must be >= 0, got " + threadsPerRun);
    }
    if (baselines.contains(Baseline.SLIM_SCRATCH)
        && splits.stream().noneMatch(s -> parse(s, 0) instanceof KelsPlan)) {
      throw new TrainingException("the slim-scratch baseline needs a kels:S split among "
          + splits);
    }
  }

  private static SplitPlan parse(String split, long seed) {
    try {
      return SplitPlan.parse(split, seed);
    } catch (RuntimeException e) {
      throw new TrainingException(e.getMessage(), e);
    }
  }

  /**
   * The runs, in index order: for each seed, KE with every split, then the long control (which
   * does not depend on the split: one per seed), then slim-from-scratch for every KELS split.
   * Every row's config is complete and valid, its baselines empty (a row is one run).
   */
  public List<PlanRow> rows() {
    List<PlanRow> rows = new ArrayList<>();
    for (long seed : seeds) {
      for (String split : splits) {
        rows.add(new PlanRow(rows.size(), null, seed, split, config(seed, split)));
      }
      if (baselines.contains(Baseline.LONG)) {
        String split = splits.get(0);
        rows.add(new PlanRow(rows.size(), Baseline.LONG, seed, null, config(seed, split)));
      }
      if (baselines.contains(Baseline.SLIM_SCRATCH)) {
        for (String split : splits) {
          if (parse(split, seed) instanceof KelsPlan) {
            rows.add(new PlanRow(rows.size(), Baseline.SLIM_SCRATCH, seed, split,
                config(seed, split)));
          }
        }
      }
    }
    return rows;
  }

  private KeConfig config(long seed, String split) {
    return base.toBuilder()
        .seed(seed)
        .split(split)
        .redrawSplit(base.redrawSplit() && parse(split, seed) instanceof WelsPlan)
        .baselines(List.of())
        .threads(threadsPerRun)
        .build();
  }
}
