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

  @Test
  void pytorchPairingRunsTheSameStepInAlternationAndPrintsTheRatio() {
    io.kebridge.models.testing.PythonPeer.assumeModules("torch");
    CliRun r = CliRun.of("bench", "train", "--arch", "resnet18", "--width", "4", "--input",
        "3x16x16", "--stem", "imagenet", "--batch-size", "4", "--warmup-steps", "1", "--windows",
        "1", "--steps", "2", "--eval-images", "8", "--ke-repeats", "1", "--pytorch",
        "../bench/pytorch_train.py", "--rounds", "2");
    assertEquals(0, r.exitCode(), r.err() + r.out());
    java.util.regex.Matcher round = java.util.regex.Pattern.compile("round 2: ke [0-9.]+ images/s,"
        + " pytorch ([0-9.]+) images/s: [0-9.]+x \\(pytorch with its default OpenMP wait ([0-9.]+),"
        + " with OMP_WAIT_POLICY=PASSIVE ([0-9.]+)\\)").matcher(r.out());
    assertTrue(round.find(), r.out());
    // the baseline is PyTorch at the faster of its two OpenMP wait policies
    assertEquals(Math.max(Double.parseDouble(round.group(2)), Double.parseDouble(round.group(3))),
        Double.parseDouble(round.group(1)), 1e-9, r.out());
    assertTrue(r.out().contains("(medians of 2 alternating rounds)"), r.out());
    CliRun other = CliRun.of("bench", "train", "--arch", "small-cnn", "--pytorch");
    assertEquals(2, other.exitCode());
    assertTrue(other.err().contains("--pytorch pairs the ResNet-18 step only"), other.err());
  }
}
