package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.run.RunDirectory;
import io.kebridge.training.ke.KeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
  @TempDir Path tmp;

  private static final String[] TINY = {
    "--data", "digits", "--arch", "small-cnn", "--width", "4", "--per-class", "12",
    "--generations", "2", "--epochs", "1", "--batch-size", "24", "--seed", "3"
  };

  private static String[] args(String... more) {
    String[] all = new String[1 + TINY.length + more.length];
    all[0] = "train";
    System.arraycopy(TINY, 0, all, 1, TINY.length);
    System.arraycopy(more, 0, all, 1 + TINY.length, more.length);
    return all;
  }

  @Test
  void trainWritesARunWithTwoGenerationsAndPrintsPlainProgress() throws Exception {
    Path run = tmp.resolve("run");
    CliRun r = CliRun.of(args("--out", run.toString()));
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("device: cpu"), r.out());
    assertTrue(r.out().contains("ke gen 1/2 epoch 1/1: loss"), r.out());
    assertTrue(r.out().contains("ke generation 2/2 done: dense"), r.out());
    assertTrue(r.out().contains("report " + run.resolve("report.html")), r.out());
    assertEquals(List.of(1, 2), RunDirectory.open(run).generations());
    assertEquals(5, Files.readAllLines(run.resolve("metrics.jsonl")).size());
    assertTrue(Files.size(run.resolve("report.html")) > 500, "the CLI writes the report");
    assertTrue(Files.size(run.resolve("accuracy-per-generation.png")) > 1000);
    double dense = RunDirectory.open(run).generation(2).denseAccuracy();
    assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "%ndense_accuracy=%.6f%n",
        dense)), "a name=value line per final metric, as Katib's stdout collector reads: "
        + r.out());
    assertTrue(r.out().matches("(?s).*\\nslim_accuracy=0\\.\\d{6}\\n.*"), r.out());
  }

  @Test
  void anInvalidConfigIsRefusedBeforeTheRunFolderExists() throws Exception {
    Path yaml = tmp.resolve("bad.yaml");
    Files.writeString(yaml, "schedule: step\nstepEpochs: 0\n");
    Path run = tmp.resolve("bad-run");
    CliRun r = CliRun.of(args("--config", yaml.toString(), "--out", run.toString()));
    assertEquals(1, r.exitCode(), r.out());
    assertTrue(r.err().contains("step-epochs"), r.err());
    CliRun flag = CliRun.of(args("--eval-every", "-1", "--out", run.toString()));
    assertEquals(1, flag.exitCode(), flag.out());
    assertTrue(flag.err().contains("eval-every must be >= 0"), flag.err());
    assertTrue(!Files.exists(run), "nothing was written");
  }

  @Test
  void configFileValuesAreOverriddenByOptions() throws Exception {
    Path yaml = tmp.resolve("ke.yaml");
    Files.writeString(yaml, "epochs: 3\nlearningRate: 0.02\nsplit: wels:0.25\n");
    Path run = tmp.resolve("run");
    CliRun r = CliRun.of(args("--config", yaml.toString(), "--split", "kels:0.25", "--out",
        run.toString()));
    assertEquals(0, r.exitCode(), r.err());
    KeConfig c = KeConfig.fromJson(Files.readString(run.resolve(KeConfig.FILE)));
    assertEquals(1, c.epochs(), "the option wins over the file");
    assertEquals(0.02, c.learningRate(), "the file wins over the default");
    assertEquals("kels:0.25", c.split());
  }

  @Test
  void unknownConfigKeyIsAClearError() throws Exception {
    Path json = tmp.resolve("ke.json");
    Files.writeString(json, "{\"epoch\": 3}");
    CliRun r = CliRun.of(args("--config", json.toString(), "--out", tmp.resolve("r").toString()));
    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("ke: error: invalid config file"), r.err());
    assertTrue(r.err().contains("epoch"), r.err());
  }

  @Test
  void resumeRefusesNewTrainingOptionsAndNeedsACheckpoint() {
    CliRun both = CliRun.of("train", "--resume", tmp.toString(), "--epochs", "3");
    assertEquals(2, both.exitCode());
    assertTrue(both.err().contains("drop --epochs"), both.err());
    CliRun none = CliRun.of("train", "--resume", tmp.toString());
    assertEquals(1, none.exitCode());
    assertTrue(none.err().contains("not a training run directory"), none.err());
    CliRun neither = CliRun.of("train", "--epochs", "3");
    assertEquals(2, neither.exitCode());
  }

  @Test
  void askingForAnAbsentGpuFailsInsteadOfRunningOnCpu() {
    CliRun r = CliRun.of(args("--device", "gpu", "--out", tmp.resolve("gpu").toString()));
    assertEquals(1, r.exitCode(), r.out());
    assertTrue(r.err().contains("no usable GPU"), r.err());
    assertTrue(r.err().contains("--device cpu"), r.err());
  }
}
