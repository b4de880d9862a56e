package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.results.MetricsLog;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareCommandTest {

  private static void run(Path dir, double d1, double s1, double d2, double s2, double longAcc) {
    MetricsLog.write(dir.resolve("metrics.jsonl"), List.of(), List.of(
        new GenerationRecord(1, "kels:0.5", d1, s1, 1, 0.1, "w", "m"),
        new GenerationRecord(2, "kels:0.5", d2, s2, 1, 0.1, "w", "m")), 2.2);
    MetricsLog.write(dir.resolve("baselines/long/metrics.jsonl"), List.of(), List.of(
        new GenerationRecord(1, "kels:0.5", longAcc, null, 2, 0.1, "w", "m")), 2.1);
  }

  @Test
  void compareGivesMeanAndSampleSpreadPerGenerationAndBaseline(@TempDir Path dir) {
    run(dir.resolve("a"), 0.70, 0.10, 0.80, 0.50, 0.82);
    run(dir.resolve("b"), 0.72, 0.20, 0.84, 0.70, 0.86);
    CliRun r = CliRun.of("compare", dir.resolve("a").toString(), dir.resolve("b").toString(),
        "--markdown");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("| generation 1 | 2 | 71.00% ± 1.41 | 15.00% ± 7.07 |"), r.out());
    assertTrue(r.out().contains("| generation 2 | 2 | 82.00% ± 2.83 | 60.00% ± 14.14 |"), r.out());
    assertTrue(r.out().contains("| baseline long | 2 | 84.00% ± 2.83 | - |"), r.out());
  }

  @Test
  void aFolderThatIsNoRunIsAOneLineError(@TempDir Path dir) {
    CliRun r = CliRun.of("compare", dir.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("is this a ke training run?"), r.err());
  }
}
