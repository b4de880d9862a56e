package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.sweep.PlanRow;
import io.kebridge.training.sweep.SweepSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a local sweep divides the machine and in which order it starts its runs. */
class SweepLauncherTest {
  @Test
  void runsStartLongestFirstKeThenLongThenSlimFromScratchInPlanOrderWithinEach() {
    List<PlanRow> rows = new SweepSpec(KeConfig.builder().build(), List.of(1L, 2L),
        List.of("kels:0.5", "llf:layer4"), List.of(Baseline.LONG, Baseline.SLIM_SCRATCH), 1)
        .rows();
    // plan order per seed: ke kels, ke llf, long, slim-scratch kels
    assertEquals(List.of("ke", "ke", "long", "slim-scratch", "ke", "ke", "long", "slim-scratch"),
        rows.stream().map(PlanRow::run).toList());
    assertEquals(List.of(0, 1, 4, 5, 2, 6, 3, 7),
        SweepLauncher.launchOrder(rows).stream().map(PlanRow::index).toList());
  }

  @Test
  void byDefaultEveryCoreRunsOneRunOfOneThreadWhenThereAreEnoughRuns() {
    int cores = SweepLauncher.cores();
    boolean memoryHoldsOnePerCore =
        SweepCommand.physicalMemory() / (1536L << 20) >= cores;
    for (int rows : new int[] {1, 2, 3, 9, 40}) {
      int threads = SweepLauncher.defaultThreads(rows);
      int atOnce = SweepLauncher.defaultParallel(rows, threads);
      assertTrue(threads >= 1 && atOnce >= 1 && atOnce <= rows, rows + " runs");
      assertTrue(threads * atOnce <= cores, rows + " runs: " + atOnce + " x " + threads
          + " threads on " + cores + " cores");
      if (memoryHoldsOnePerCore) {
        assertEquals(Math.max(1, cores / Math.min(rows, cores)), threads, rows + " runs");
        assertEquals(Math.min(rows, cores), atOnce, rows + " runs");
      }
    }
  }
}
