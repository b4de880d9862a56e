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
  void int8AddsTheQuantisedModelsAndTheRatiosWithTheIsaFlags() {
    CliRun r = CliRun.of("bench", "infer", "--arch", "small-cnn", "--input", "1x8x8",
        "--classes", "10", "--batch", "2", "--warmup", "0", "--iterations", "2", "--threads", "1",
        "--quantize", "int8", "--calibration", "4");
    assertEquals(0, r.exitCode(), r.err());
    String out = r.out();
    assertTrue(out.contains("CPU: ") && out.contains("avx2"), out);
    assertTrue(out.contains("dense small-cnn INT8 (minmax, per-channel weights, synthetic, 4"
        + " standard-normal images (seed 0)): Conv 3/3 -> QLinearConv"), out);
    for (String model : new String[] {"dense small-cnn FP32", "dense small-cnn INT8",
        "slim small-cnn-slim (kels:0.5) FP32", "slim small-cnn-slim (kels:0.5) INT8"}) {
      assertTrue(out.contains(model + " (input [-1, 1, 8, 8])"), model + ": " + out);
    }
    assertTrue(out.contains("speed-ups on "), out);
    assertTrue(out.contains("speed-up of slim small-cnn-slim (kels:0.5) INT8 over dense small-cnn"
        + " FP32 at batch 2"), out);
    assertTrue(out.contains("speed-up of slim small-cnn-slim (kels:0.5) INT8 over slim"
        + " small-cnn-slim (kels:0.5) FP32 at batch 2"), out);
    // one thread: the CPU time of every run, and its ratio, beside the wall time
    assertTrue(out.contains("cpu p50") && out.contains("; cpu time "), out);
  }

  @Test
  void int8QuantisesGivenFilesToo(@TempDir Path dir) {
    Path run = TestRuns.write(dir.resolve("run"), "kels:0.5", null);
    Path dense = dir.resolve("dense.onnx");
    assertEquals(0, CliRun.of("export", run.toString(), "--out", dense.toString(), "--no-verify")
        .exitCode());
    CliRun r = CliRun.of("bench", "infer", dense.toString(), "--batch", "1", "--warmup", "0",
        "--iterations", "2", "--threads", "1", "--quantize", "int8", "--calibration", "2",
        "--per-tensor");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("speed-up of " + dense + " INT8 over " + dense + " FP32 at batch 1"),
        r.out());
  }

  @Test
  void filesAndArchTogetherAreAUsageError() {
    CliRun r = CliRun.of("bench", "infer", "m.onnx", "--arch", "resnet18");
    assertEquals(2, r.exitCode());
  }
}
