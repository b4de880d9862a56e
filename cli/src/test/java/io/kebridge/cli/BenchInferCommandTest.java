package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchInferCommandTest {

  @Test
  void benchPrintsPercentilesPerBatchAndTheSpeedupOverTheFirstModel(@TempDir Path dir) {
    Path run = TestRuns.write(dir.resolve("run"), "kels:0.5", null);
    Path dense = dir.resolve("dense.onnx");
    Path slim = dir.resolve("slim.onnx");
    assertEquals(0, CliRun.of("export", run.toString(), "--out", dense.toString(), "--no-verify")
        .exitCode());
    assertEquals(0, CliRun.of("export", run.toString(), "--slim", "--out", slim.toString(),
        "--no-verify").exitCode());
    CliRun r = CliRun.of("bench", "infer", dense.toString(), slim.toString(), "--batch", "1,4",
        "--threads", "1", "--warmup", "1", "--iterations", "3");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("batch   1  p50"), r.out());
    assertTrue(r.out().contains("batch   4  p50"), r.out());
    assertTrue(r.out().contains("speed-up of " + slim + " over " + dense + " at batch 1"), r.out());
  }

  @Test
  void benchBuildsDenseAndSlimFromAnArchitecture() {
    CliRun r = CliRun.of("bench", "infer", "--arch", "small-cnn", "--input", "1x8x8",
        "--classes", "10", "--batch", "2", "--warmup", "0", "--iterations", "2", "--threads", "1");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("dense small-cnn (input [-1, 1, 8, 8])"), r.out());
    assertTrue(r.out().contains("speed-up of slim small-cnn-slim (kels:0.5) over dense small-cnn"),
        r.out());
  }

  @Test
  void filesAndArchTogetherAreAUsageError() {
    CliRun r = CliRun.of("bench", "infer", "m.onnx", "--arch", "resnet18");
    assertEquals(2, r.exitCode());
  }
}
