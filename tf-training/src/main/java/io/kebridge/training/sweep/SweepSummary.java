package io.kebridge.training.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.MetricsLog;
import io.kebridge.training.results.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a sweep found, from the runs its plan lists: per split and KE generation the spread of
 * dense and slim test accuracy over seeds, the controls' spread, and KE's final generation minus
 * each control, paired by seed, with its 95% interval said in words. Only finished runs count;
 * the others are listed as unfinished.
 *
 * @param runs one line per plan row
 * @param splits one summary per split of the plan
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SweepSummary(
    int planned, int finished, List<RunLine> runs, List<SplitSummary> splits) {

  /**
   * One run of the plan.
   *
   * @param status {@code finished}, {@code unfinished} (resume it) or {@code not started}
   * @param dense the final dense accuracy (the control's accuracy for control runs)
   * @param slim KE's final slim accuracy, where the split has a slim network
   * @param evaluations how many evaluations the run made, and {@code wholeSplitEvaluations} of
   *     them on the whole test split
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RunLine(
      int index, String run, long seed, String split, String folder, String status,
      Double dense, Double slim, int evaluations, int wholeSplitEvaluations,
      double evaluationSeconds, double seconds) {}

  /** The spread of one KE generation over seeds. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record GenerationLine(int generation, Spread dense, Spread slim) {}

  /**
   * KE's final generation minus a control, per seed, then spread.
   *
   * @param network {@code dense} or {@code slim}
   * @param control {@code long} or {@code slim-scratch}
   * @param difference the spread of the paired differences, in accuracy (0.021 = 2.1 points)
   * @param sentence the result in words
   */
  public record Difference(
      String network, String control, int generation, Spread difference, String sentence) {}

  /** One split: KE per generation, the controls beside it, and the differences. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SplitSummary(
      String split, List<GenerationLine> generations, Map<String, Spread> controls,
      List<Difference> differences) {}

  /** Reads every run of {@code plan} under {@code sweepDir} and summarises them. */
  public static SweepSummary of(SweepPlan plan, Path sweepDir) {
    Map<Integer, RunResult> results = new TreeMap<>();
    List<RunLine> lines = new ArrayList<>();
    for (PlanRow row : plan.rows()) {
      Path dir = SweepPlan.runDirectory(sweepDir, row);
      RunResult r =
          Files.isRegularFile(dir.resolve(MetricsLog.FILE)) ? RunResult.read(dir) : null;
      if (r != null && r.finished()) {
        results.put(row.index(), r);
      }
      lines.add(line(row, r));
    }
    return of(plan, results, lines);
  }

  /** Summarises finished runs given by plan index (what {@link #of(SweepPlan, Path)} reads). */
  static SweepSummary of(SweepPlan plan, Map<Integer, RunResult> finished, List<RunLine> lines) {
    List<SplitSummary> splits = new ArrayList<>();
    for (String split : plan.splits()) {
      splits.add(split(plan, split, finished));
    }
    return new SweepSummary(plan.rows().size(), finished.size(), lines, splits);
  }

  private static RunLine line(PlanRow row, RunResult r) {
    String status = r == null ? "not started" : r.finished() ? "finished" : "unfinished";
    GenerationRecord last = r == null ? null : r.last();
    int evaluations = 0;
    int whole = 0;
    double evalSeconds = 0;
    if (r != null) {
      int most = r.epochs().stream().filter(EpochMetrics::evaluated)
          .mapToInt(e -> e.evaluatedImages() == null ? 0 : e.evaluatedImages()).max().orElse(0);
      for (EpochMetrics e : r.epochs()) {
        if (e.evaluated()) {
          evaluations++;
          whole += e.evaluatedImages() != null && e.evaluatedImages() == most ? 1 : 0;
          evalSeconds += e.evalSeconds();
        }
      }
    }
    return new RunLine(row.index(), row.run(), row.seed(), row.split(), row.folder(), status,
        last == null ? null : last.denseAccuracy(),
        last == null || row.baseline() != null ? null : last.slimAccuracy(),
        evaluations, whole, evalSeconds, r == null ? 0 : r.seconds());
  }

  private static SplitSummary split(SweepPlan plan, String split, Map<Integer, RunResult> done) {
    Map<Long, RunResult> ke = new TreeMap<>();
    Map<Long, RunResult> longRuns = new TreeMap<>();
    Map<Long, RunResult> slimScratch = new TreeMap<>();
    for (PlanRow row : plan.rows()) {
      RunResult r = done.get(row.index());
      if (r == null || r.last() == null) {
        continue;
      }
      if (row.baseline() == null && split.equals(row.split())) {
        ke.put(row.seed(), r);
      } else if (row.baseline() == Baseline.LONG) {
        longRuns.put(row.seed(), r);
      } else if (row.baseline() == Baseline.SLIM_SCRATCH && split.equals(row.split())) {
        slimScratch.put(row.seed(), r);
      }
    }
    Map<Integer, List<Double>> dense = new TreeMap<>();
    Map<Integer, List<Double>> slim = new TreeMap<>();
    for (RunResult r : ke.values()) {
      for (GenerationRecord g : r.generations()) {
        dense.computeIfAbsent(g.generation(), k -> new ArrayList<>()).add(g.denseAccuracy());
        if (g.slimAccuracy() != null) {
          slim.computeIfAbsent(g.generation(), k -> new ArrayList<>()).add(g.slimAccuracy());
        }
      }
    }
    List<GenerationLine> gens = new ArrayList<>();
    for (Map.Entry<Integer, List<Double>> e : dense.entrySet()) {
      List<Double> s = slim.get(e.getKey());
      gens.add(new GenerationLine(e.getKey(), Spread.of(e.getValue()),
          s == null ? null : Spread.of(s)));
    }
    Map<String, Spread> controls = new LinkedHashMap<>();
    List<Difference> diffs = new ArrayList<>();
    if (!longRuns.isEmpty()) {
      controls.put(Baseline.LONG.label(), Spread.of(finals(longRuns)));
      difference(ke, longRuns, false, Baseline.LONG, diffs);
    }
    if (!slimScratch.isEmpty()) {
      controls.put(Baseline.SLIM_SCRATCH.label(), Spread.of(finals(slimScratch)));
      difference(ke, slimScratch, true, Baseline.SLIM_SCRATCH, diffs);
    }
    return new SplitSummary(split, gens, controls, diffs);
  }

  private static List<Double> finals(Map<Long, RunResult> runs) {
    return runs.values().stream().map(r -> r.last().denseAccuracy()).toList();
  }

  private static void difference(
      Map<Long, RunResult> ke, Map<Long, RunResult> control, boolean slim, Baseline b,
      List<Difference> out) {
    List<Double> d = new ArrayList<>();
    int generation = 0;
    for (Map.Entry<Long, RunResult> e : ke.entrySet()) {
      RunResult c = control.get(e.getKey());
      GenerationRecord last = e.getValue().last();
      Double mine = slim ? last.slimAccuracy() : Double.valueOf(last.denseAccuracy());
      if (c != null && mine != null) {
        d.add(mine - c.last().denseAccuracy());
        generation = last.generation();
      }
    }
    if (d.isEmpty()) {
      return;
    }
    Spread s = Spread.of(d);
    out.add(new Difference(slim ? "slim" : "dense", b.label(), generation, s,
        sentence(slim, b, generation, s)));
  }

  /**
   * The difference in words: "KE's slim network (generation 5) is 2.10 ± 1.30 points below
   * slim-from-scratch (95% interval over 3 paired seeds: 0.80 to 3.40 points below)".
   */
  static String sentence(boolean slim, Baseline b, int generation, Spread s) {
    String who = String.format(Locale.ROOT, "KE's %s network (generation %d)",
        slim ? "slim" : "dense", generation);
    String control = b == Baseline.LONG
        ? "the long control (same total epochs, never re-initialised)"
        : "slim-from-scratch (the slim architecture trained for the same total epochs)";
    double points = 100 * s.mean();
    String side = points < 0 ? "below" : "above";
    if (s.sd() == null) {
      return String.format(Locale.ROOT, "%s is %.2f points %s %s (one seed: no interval).", who,
          Math.abs(points), side, control);
    }
    double low = 100 * s.low();
    double high = 100 * s.high();
    String head = String.format(Locale.ROOT, "%s is %.2f ± %.2f points %s %s", who,
        Math.abs(points), 100 * s.halfWidth(), side, control);
    if (low <= 0 && high >= 0) {
      return String.format(Locale.ROOT,
          "%s: the 95%% interval over %d paired seeds (%+.2f to %+.2f points) includes zero, so "
              + "these seeds show no difference.", head, s.n(), low, high);
    }
    return String.format(Locale.ROOT, "%s (95%% interval over %d paired seeds: %.2f to %.2f "
        + "points %s).", head, s.n(), Math.min(Math.abs(low), Math.abs(high)),
        Math.max(Math.abs(low), Math.abs(high)), side);
  }
}
