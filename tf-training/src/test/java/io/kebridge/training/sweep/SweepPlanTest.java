package io.kebridge.training.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.data.Datasets;
import io.kebridge.training.TrainingException;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.results.Baseline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepPlanTest {
  static KeConfig base() {
    return KeConfig.builder().dataset("digits").architecture("small-cnn").width(4)
        .generations(2).epochs(1).baselines(List.of(Baseline.LONG)).build();
  }

  @Test
  void everyRowIsOneCompleteRunAndTheLongControlIsSharedBetweenSplits(@TempDir Path dir) {
    SweepPlan plan = SweepPlan.of(new SweepSpec(base(), List.of(1L, 2L),
        List.of("kels:0.5", "llf:conv3", "kels:0.25"), List.of(Baseline.LONG,
            Baseline.SLIM_SCRATCH), 2));
    // per seed: 3 KE, 1 long, 2 slim-scratch (kels splits only)
    assertEquals(12, plan.rows().size());
    assertEquals(List.of("ke", "ke", "ke", "long", "slim-scratch", "slim-scratch"),
        plan.rows().subList(0, 6).stream().map(PlanRow::run).toList());
    for (PlanRow r : plan.rows()) {
      assertEquals(r.seed(), r.config().seed());
      assertTrue(r.config().baselines().isEmpty(), "a row is one run");
      assertEquals(2, r.config().threads());
      assertEquals(String.format("runs/%03d", r.index()), r.folder());
    }
    assertEquals(List.of(8, 9, 11),
        plan.rowsFor(2, "kels:0.25").stream().map(PlanRow::index).toList());
    assertEquals(List.of(7, 9),
        plan.rowsFor(2, "llf:conv3").stream().map(PlanRow::index).toList());
    TrainingException none = assertThrows(TrainingException.class,
        () -> plan.rowsFor(3, "kels:0.5"));
    assertTrue(none.getMessage().contains("seed 3"), none.getMessage());

    plan.write(dir);
    assertEquals(plan, SweepPlan.read(dir));
    assertEquals(plan.row(7), SweepPlan.read(dir).row(7));
    TrainingException out = assertThrows(TrainingException.class, () -> plan.row(12));
    assertTrue(out.getMessage().contains("0 to 11"), out.getMessage());
  }

  @Test
  void aRowThatDoesNotFitTheDataIsRefusedBeforeThePlanIsWritten(@TempDir Path dir) {
    SweepPlan plan = SweepPlan.of(new SweepSpec(base(), List.of(1L),
        List.of("kels:0.5", "llf:nowhere"), List.of(), 1));
    TrainingException e = assertThrows(TrainingException.class,
        () -> plan.check(Datasets.load("digits")));
    assertTrue(e.getMessage().contains("001 ke seed 1 llf:nowhere")
        && e.getMessage().contains("nowhere"), e.getMessage());
    assertFalse(Files.exists(dir.resolve(SweepPlan.FILE)));
  }

  @Test
  void repeatedAxesAndMissingKelsSplitsAreNamed() {
    TrainingException seeds = assertThrows(TrainingException.class,
        () -> new SweepSpec(base(), List.of(1L, 1L), List.of("kels:0.5"), List.of(), 1));
    assertTrue(seeds.getMessage().contains("repeat"), seeds.getMessage());
    TrainingException splits = assertThrows(TrainingException.class,
        () -> new SweepSpec(base(), List.of(1L), List.of("kels:0.5", "kels:0.50"), List.of(), 1));
    assertTrue(splits.getMessage().contains("repeat"), splits.getMessage());
    TrainingException slim = assertThrows(TrainingException.class,
        () -> new SweepSpec(base(), List.of(1L), List.of("llf:conv3"),
            List.of(Baseline.SLIM_SCRATCH), 1));
    assertTrue(slim.getMessage().contains("kels"), slim.getMessage());
  }

  @Test
  void aCorruptPlanIsAClearError(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve(SweepPlan.FILE), "{\"version\": 1, \"rows\": [{\"index\": 3}]}");
    TrainingException e = assertThrows(TrainingException.class, () -> SweepPlan.read(dir));
    assertTrue(e.getMessage().contains("plan"), e.getMessage());
    TrainingException none = assertThrows(TrainingException.class,
        () -> SweepPlan.read(dir.resolve("nothing")));
    assertTrue(none.getMessage().contains("not a sweep directory"), none.getMessage());
  }
}
