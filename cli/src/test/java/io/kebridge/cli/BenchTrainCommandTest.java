package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchTrainCommandTest {

  @Test
  void benchTrainPrintsMedianImagesPerSecondKeStepAndRss() {
    CliRun r =
        CliRun.of("bench", "train", "--arch", "small-cnn", "--width", "4", "--input", "1x8x8",
            "--batch-size", "8", "--warmup-steps", "1", "--windows", "3", "--steps", "2",
            "--eval-images", "50", "--ke-repeats", "1");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("training images/s:"), r.out());
    assertTrue(r.out().matches("(?s).*training images/s:\\s+\\d+\\.\\d median \\(windows: \\d+, \\d+, \\d+\\).*"),
        r.out());
    assertTrue(r.out().contains("KE step:"), r.out());
    assertTrue(r.out().contains("RSS:"), r.out());
  }

  @Test
  void badInputShapeIsAUsageError() {
    CliRun r = CliRun.of("bench", "train", "--input", "32x32");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("CxHxW"), r.err());
  }
}
