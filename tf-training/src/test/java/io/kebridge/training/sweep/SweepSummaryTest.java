package io.kebridge.training.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.RunResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The summary's statistics against values computed by hand (t quantiles from a table). */
class SweepSummaryTest {
  /** Student's t, 97.5% quantile, from a printed table: df 1, 2. */
  static final double T1 = 12.7062047;

  static final double T2 = 4.30265273;

  static SweepPlan plan() {
    KeConfig base = KeConfig.builder().dataset("digits").generations(2).epochs(1).build();
    return SweepPlan.of(new SweepSpec(base, List.of(1L, 2L, 3L), List.of("kels:0.5"),
        List.of(Baseline.LONG, Baseline.SLIM_SCRATCH), 1));
  }

  static RunResult run(double... accuracies) {
    List<GenerationRecord> g = new ArrayList<>();
    for (int i = 0; i < accuracies.length; i += 2) {
      g.add(new GenerationRecord(i / 2 + 1, "kels:0.5", accuracies[i],
          Double.isNaN(accuracies[i + 1]) ? null : accuracies[i + 1], 1, 0.1, "w", "m"));
    }
    return new RunResult(Path.of("x"), g, List.of(), true, 1);
  }

  @Test
  void meanSdIntervalAndPairedDifferencesMatchHandComputedValues() {
    SweepPlan plan = plan();
    // rows per seed: ke, long, slim-scratch
    assertEquals(9, plan.rows().size());
    assertEquals(List.of("ke", "long", "slim-scratch"),
        plan.rows().subList(0, 3).stream().map(PlanRow::run).toList());
    Map<Integer, RunResult> done = new HashMap<>();
    double nan = Double.NaN;
    // KE (dense, slim) per generation for seeds 1, 2, 3
    done.put(0, run(0.60, 0.10, 0.70, 0.40));
    done.put(3, run(0.62, 0.12, 0.72, 0.45));
    done.put(6, run(0.64, 0.10, 0.77, 0.50));
    // long controls and slim-from-scratch
    done.put(1, run(0.75, nan));
    done.put(4, run(0.74, nan));
    done.put(7, run(0.80, nan));
    done.put(2, run(0.55, nan));
    done.put(5, run(0.59, nan));
    done.put(8, run(0.66, nan));
    SweepSummary s = SweepSummary.of(plan, done, List.of());
    SweepSummary.SplitSummary split = s.splits().get(0);

    Spread gen2 = split.generations().get(1).dense();
    // 0.70, 0.72, 0.77: mean 0.73, sd sqrt((0.03^2 + 0.01^2 + 0.04^2) / 2) = sqrt(0.0013)
    assertEquals(3, gen2.n());
    assertEquals(0.73, gen2.mean(), 1e-12);
    assertEquals(Math.sqrt(0.0013), gen2.sd(), 1e-12);
    double half = T2 * Math.sqrt(0.0013) / Math.sqrt(3);
    assertEquals(0.73 - half, gen2.low(), 1e-7);
    assertEquals(0.73 + half, gen2.high(), 1e-7);
    assertEquals(0.45, split.generations().get(1).slim().mean(), 1e-12);
    assertEquals(0.05, split.generations().get(1).slim().sd(), 1e-12);

    Spread longControl = split.controls().get("long");
    assertEquals((0.75 + 0.74 + 0.80) / 3, longControl.mean(), 1e-12);

    // KE dense - long, paired by seed: -0.05, -0.02, -0.03
    SweepSummary.Difference dense = split.differences().get(0);
    assertEquals("dense", dense.network());
    assertEquals("long", dense.control());
    assertEquals(2, dense.generation());
    double m = -0.1 / 3;
    double sd = Math.sqrt((Math.pow(-0.05 - m, 2) + Math.pow(-0.02 - m, 2)
        + Math.pow(-0.03 - m, 2)) / 2);
    assertEquals(m, dense.difference().mean(), 1e-12);
    assertEquals(sd, dense.difference().sd(), 1e-12);
    assertEquals(T2 * sd / Math.sqrt(3), dense.difference().halfWidth(), 1e-7);
    assertTrue(dense.sentence().startsWith("KE's dense network (generation 2) is 3.33 ± 3.79 "
        + "points below the long control"), dense.sentence());
    assertTrue(dense.sentence().contains("includes zero"), dense.sentence());

    // KE slim - slim-scratch: 0.40-0.55, 0.45-0.59, 0.50-0.66 = -0.15, -0.14, -0.16
    SweepSummary.Difference slim = split.differences().get(1);
    assertEquals(-0.15, slim.difference().mean(), 1e-12);
    assertEquals(0.01, slim.difference().sd(), 1e-12);
    double h = T2 * 0.01 / Math.sqrt(3);
    assertEquals("KE's slim network (generation 2) is 15.00 ± 2.48 points below slim-from-scratch"
        + " (the slim architecture trained for the same total epochs) (95% interval over 3 "
        + "paired seeds: " + String.format(java.util.Locale.ROOT, "%.2f to %.2f",
            100 * (0.15 - h), 100 * (0.15 + h)) + " points below).", slim.sentence());
  }

  @Test
  void twoSeedsUseTheirOwnQuantileAndOneSeedHasNoInterval() {
    Spread two = Spread.of(List.of(0.5, 0.6));
    assertEquals(0.55, two.mean(), 1e-12);
    assertEquals(Math.sqrt(0.005), two.sd(), 1e-12);
    assertEquals(T1 * Math.sqrt(0.005) / Math.sqrt(2), two.halfWidth(), 1e-6);
    Spread one = Spread.of(List.of(0.5));
    assertNull(one.sd());
    assertNull(one.low());
    assertEquals("50.00", one.percent());
    assertTrue(SweepSummary.sentence(false, Baseline.LONG, 3, Spread.of(List.of(0.021)))
        .equals("KE's dense network (generation 3) is 2.10 points above the long control (same "
            + "total epochs, never re-initialised) (one seed: no interval)."));
  }

  @Test
  void unfinishedRunsAreLeftOutOfTheStatistics() {
    SweepPlan plan = plan();
    Map<Integer, RunResult> done = new HashMap<>();
    done.put(0, run(0.60, 0.10, 0.70, 0.40));
    done.put(3, run(0.62, 0.12, 0.72, 0.45));
    SweepSummary s = SweepSummary.of(plan, done, List.of());
    SweepSummary.SplitSummary split = s.splits().get(0);
    assertEquals(2, split.generations().get(0).dense().n());
    assertTrue(split.controls().isEmpty());
    assertTrue(split.differences().isEmpty());
    assertEquals(2, s.finished());
  }
}
