package io.kebridge.training.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.models.weights.SafeTensors;
import io.kebridge.training.TrainingException;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.KeResult;
import io.kebridge.training.results.MetricsLog;
import io.kebridge.training.results.RunResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeTrainerTest {
  static DataSplits digits;

  @BeforeAll
  static void load() {
    digits = Datasets.load("digits");
  }

  static KeConfig.Builder tiny() {
    return KeConfig.builder()
        .dataset("digits")
        .perClass(12)
        .architecture("small-cnn")
        .width(4)
        .generations(2)
        .epochs(2)
        .batchSize(24)
        .learningRate(0.05)
        .seed(5)
        .evalBatchSize(200);
  }

  @Test
  void runWritesGenerationsMetricsAndCard(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("run");
    KeResult r = KeTrainer.create(tiny().build(), digits, dir).run();
    assertTrue(r.finished());
    assertEquals(2, r.generations().size());
    assertEquals(4, r.epochs().size());
    RunDirectory run = RunDirectory.open(dir);
    assertEquals(List.of(1, 2), run.generations());
    SafeTensors.Contents gen2 = run.generationWeights(2);
    gen2.weights().checkMatches(run.spec());
    GenerationRecord record = run.generation(2);
    assertEquals(r.generations().get(1).denseAccuracy(), record.denseAccuracy());
    assertEquals(r.generations().get(1).slimAccuracy(), record.slimAccuracy());
    assertNotNull(record.slimAccuracy());
    assertEquals("kels:0.5", record.split());
    assertEquals(gen2.metadata(), record.toMetadata());
    assertEquals(run.spec().params().stream().filter(p -> p.kind().maskable()).count(),
        run.generationMasks(2).size());
    assertEquals(2, run.card().generation());
    assertEquals(10, run.card().labels().size());
    List<String> lines = Files.readAllLines(dir.resolve(MetricsLog.FILE));
    assertEquals(7, lines.size());
    assertTrue(lines.get(2).contains("\"type\":\"generation\""), lines.get(2));
    assertTrue(lines.get(6).contains("\"type\":\"finished\""), lines.get(6));
    assertFalse(Files.exists(dir.resolve("report.html")), "the report is the CLI's job");
    KeConfig saved = KeConfig.fromJson(Files.readString(dir.resolve(KeConfig.FILE)));
    assertEquals(tiny().build(), saved);
    KeResult read = KeResult.read(dir);
    assertEquals(r.generations(), read.generations());
    assertEquals(r.epochs(), read.epochs());
    assertTrue(read.finished());
    assertEquals(r.seconds(), read.seconds(), 1e-9);
  }

  @Test
  void learningRateScheduleRestartsEveryGeneration(@TempDir Path tmp) {
    KeResult r =
        KeTrainer.create(tiny().warmupEpochs(1).build(), digits, tmp.resolve("run")).run();
    List<EpochMetrics> e = r.epochs();
    assertEquals(e.get(0).learningRate(), e.get(2).learningRate(), 0.0);
    assertEquals(e.get(1).learningRate(), e.get(3).learningRate(), 0.0);
    assertNotEquals(e.get(0).learningRate(), e.get(1).learningRate());
  }

  @Test
  void sameSeedGivesTheSameMetrics(@TempDir Path tmp) {
    KeResult a = KeTrainer.create(tiny().build(), digits, tmp.resolve("a")).run();
    KeResult b = KeTrainer.create(tiny().build(), digits, tmp.resolve("b")).run();
    assertSameMetrics(a, b);
  }

  static void assertSameMetrics(KeResult a, KeResult b) {
    assertEquals(a.epochs().size(), b.epochs().size());
    for (int i = 0; i < a.epochs().size(); i++) {
      EpochMetrics x = a.epochs().get(i);
      EpochMetrics y = b.epochs().get(i);
      assertEquals(x.loss(), y.loss(), 1e-5, "loss of epoch " + x.totalEpoch());
      assertEquals(x.trainAccuracy(), y.trainAccuracy(), 1e-6);
      assertClose(x.denseAccuracy(), y.denseAccuracy());
      assertClose(x.slimAccuracy(), y.slimAccuracy());
      assertEquals(x.evaluatedImages(), y.evaluatedImages());
    }
    for (int i = 0; i < a.generations().size(); i++) {
      assertEquals(a.generations().get(i).denseAccuracy(), b.generations().get(i).denseAccuracy(),
          1e-6);
      assertClose(a.generations().get(i).slimAccuracy(), b.generations().get(i).slimAccuracy());
    }
  }

  private static void assertClose(Double x, Double y) {
    if (x == null || y == null) {
      assertEquals(x, y);
    } else {
      assertEquals(x, y, 1e-6);
    }
  }

  @Test
  void cancelledRunResumesToTheSameMetricsAsAnUninterruptedOne(@TempDir Path tmp) {
    KeResult whole = KeTrainer.create(tiny().build(), digits, tmp.resolve("whole")).run();

    Path dir = tmp.resolve("interrupted");
    KeTrainer first = KeTrainer.create(tiny().build(), digits, dir);
    first.addListener(
        new TrainingListener() {
          @Override
          public void onEpochEnd(EpochMetrics m) {
            if (m.generation() == 1 && m.epoch() == 1) {
              first.cancel();
            }
          }
        });
    KeResult partial = first.run();
    assertFalse(partial.finished());
    assertEquals(1, partial.epochs().size());

    KeResult resumed = KeTrainer.resume(dir, digits).run();
    assertTrue(resumed.finished());
    assertSameMetrics(whole, resumed);
  }

  @Test
  void checkpointsAtEveryGenerationEndAndInBetweenOnlyOnceTheIntervalHasPassed(@TempDir Path tmp) {
    KeConfig c = tiny().epochs(3).build();
    assertEquals(List.of("2/0", "3/0"), checkpoints(KeTrainer.create(c, digits,
        tmp.resolve("default"))), "a tiny run's epochs take far less than the default interval");
    assertEquals(List.of("1/1", "1/2", "2/0", "2/1", "2/2", "3/0"), checkpoints(KeTrainer.create(c,
        digits, tmp.resolve("every")).checkpointEvery(java.time.Duration.ZERO)));
    assertThrows(IllegalArgumentException.class, () -> KeTrainer.create(c, digits,
        tmp.resolve("negative")).checkpointEvery(java.time.Duration.ofSeconds(-1)));
  }

  /** generation/epochsDone of every checkpoint the run writes. */
  private static List<String> checkpoints(KeTrainer trainer) {
    List<String> at = new java.util.ArrayList<>();
    trainer.addListener(new TrainingListener() {
      @Override
      public void onCheckpoint(Path folder, int generation, int epochsDone) {
        at.add(generation + "/" + epochsDone);
      }
    }).run();
    return at;
  }

  @Test
  void aRunStoppedBeforeItsFirstCheckpointResumesByStartingOver(@TempDir Path tmp)
      throws IOException {
    KeResult whole = KeTrainer.create(tiny().build(), digits, tmp.resolve("whole")).run();
    Path dir = tmp.resolve("early");
    KeTrainer first = KeTrainer.create(tiny().build(), digits, dir);
    first.addListener(new TrainingListener() {
      @Override
      public void onEpochEnd(EpochMetrics m) {
        first.cancel();
      }
    });
    assertFalse(first.run().finished());
    // what a kill inside generation 1's first checkpoint interval leaves: the run, no checkpoint
    io.kebridge.models.io.Folders.deleteTree(dir.resolve("checkpoints"));
    KeResult resumed = KeTrainer.resume(dir, digits).run();
    assertTrue(resumed.finished());
    assertSameMetrics(whole, resumed);
  }

  @Test
  void missingCheckpointIsAClearErrorAndLeavesTheRunIntact(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("run");
    KeTrainer.create(tiny().build(), digits, dir).run();
    Files.delete(dir.resolve("checkpoints/latest.json"));
    Map<String, Long> before = snapshot(dir);
    TrainingException e =
        assertThrows(TrainingException.class, () -> KeTrainer.resume(dir, digits).run());
    assertTrue(e.getMessage().contains("latest.json is missing"), e.getMessage());
    assertEquals(before, snapshot(dir));
  }

  @Test
  void corruptCheckpointIsAClearErrorAndLeavesTheRunIntact(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("run");
    KeTrainer first = KeTrainer.create(tiny().build(), digits, dir);
    first.addListener(
        new TrainingListener() {
          @Override
          public void onEpochEnd(EpochMetrics m) {
            first.cancel();
          }
        });
    first.run();
    Path data;
    try (Stream<Path> s = Files.walk(dir.resolve("checkpoints"))) {
      data = s.filter(p -> p.getFileName().toString().startsWith("variables.data")).findFirst()
          .orElseThrow();
    }
    Files.write(data, new byte[] {1, 2, 3});
    Map<String, Long> before = snapshot(dir);
    TrainingException e =
        assertThrows(TrainingException.class, () -> KeTrainer.resume(dir, digits).run());
    assertTrue(e.getMessage().contains("cannot restore the checkpoint"), e.getMessage());
    assertEquals(before, snapshot(dir));
  }

  @Test
  void newRunRefusesAFolderThatHoldsARun(@TempDir Path tmp) {
    Path dir = tmp.resolve("run");
    KeTrainer.create(tiny().generations(1).epochs(1).build(), digits, dir).run();
    TrainingException e =
        assertThrows(TrainingException.class, () -> KeTrainer.create(tiny().build(), digits, dir));
    assertTrue(e.getMessage().contains("--resume"), e.getMessage());
  }

  @Test
  void welsMasksAreReproducibleFromTheSeedAndRedrawnEachGeneration(@TempDir Path tmp) {
    KeConfig c = tiny().split("wels:0.5").redrawSplit(true).build();
    KeTrainer.create(c, digits, tmp.resolve("a")).run();
    KeTrainer.create(c, digits, tmp.resolve("b")).run();
    RunDirectory a = RunDirectory.open(tmp.resolve("a"));
    RunDirectory b = RunDirectory.open(tmp.resolve("b"));
    assertEquals(a.generationMasks(1), b.generationMasks(1));
    assertEquals(a.generationMasks(2), b.generationMasks(2));
    assertNotEquals(a.generationMasks(1), a.generationMasks(2));
    assertEquals(null, a.generationWeights(1).metadata().get("slim_accuracy"));
  }

  @Test
  void baselinesTrainForTheSameTotalEpochs(@TempDir Path tmp) {
    KeConfig c =
        tiny().generations(2).epochs(1)
            .baselines(List.of(Baseline.LONG, Baseline.SLIM_SCRATCH)).build();
    KeResult r = KeTrainer.create(c, digits, tmp.resolve("run")).run();
    assertEquals(2, r.baselines().size());
    RunResult slim = r.baselines().get(Baseline.SLIM_SCRATCH);
    assertEquals(2, slim.epochs().size());
    assertEquals(1, slim.generations().size());
    RunDirectory s = RunDirectory.open(tmp.resolve("run/baselines/slim-scratch"));
    assertTrue(s.spec().architecture().endsWith("-slim"));
    KeResult read = KeResult.read(tmp.resolve("run"));
    assertEquals(r.baselines().get(Baseline.LONG).generations(),
        read.baselines().get(Baseline.LONG).generations());
    assertEquals(slim.last(), read.baselines().get(Baseline.SLIM_SCRATCH).last());
  }

  @Test
  void inBetweenEvaluationsUseTheSubsetAndGenerationEndsTheWholeTestSplit(@TempDir Path tmp) {
    KeResult r = KeTrainer.create(tiny().epochs(3).evalEvery(1).evalSubset(50).build(), digits,
        tmp.resolve("run")).run();
    int whole = digits.test().size();
    for (EpochMetrics e : r.epochs()) {
      assertNotNull(e.denseAccuracy(), "every epoch is evaluated with eval-every 1");
      assertEquals(e.epoch() == 3 ? whole : 50, e.evaluatedImages(), "epoch " + e.totalEpoch());
      assertTrue(e.evalSeconds() > 0);
    }
    for (GenerationRecord g : r.generations()) {
      EpochMetrics last = r.epochs().get(g.generation() * 3 - 1);
      assertEquals(last.denseAccuracy(), g.denseAccuracy(), "the record is the whole-split one");
    }
    KeResult plain = KeTrainer.create(tiny().epochs(3).build(), digits, tmp.resolve("p")).run();
    assertEquals(2, plain.epochs().stream().filter(EpochMetrics::evaluated).count(),
        "by default only generation ends are evaluated");
    assertEquals(r.generations().get(1).denseAccuracy(),
        plain.generations().get(1).denseAccuracy(), "evaluating does not change training");
  }

  @Test
  void aSplitThatDoesNotFitTheNetworkIsRefusedBeforeAnythingIsWritten(@TempDir Path tmp) {
    Path dir = tmp.resolve("run");
    TrainingException e = assertThrows(TrainingException.class,
        () -> KeTrainer.create(tiny().split("llf:nowhere").build(), digits, dir).run());
    assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
    assertFalse(Files.exists(dir), "nothing written");
  }

  @Test
  void aFolderOfAnotherConfigIsRefusedAndAnUntrainedOneStartsAgain(@TempDir Path tmp)
      throws IOException {
    Path dir = tmp.resolve("run");
    KeTrainer.create(tiny().generations(1).epochs(1).build(), digits, dir).run();
    TrainingException e = assertThrows(TrainingException.class,
        () -> GenerationLoop.open(tiny().generations(1).epochs(1).seed(6).build(), null, digits,
            dir));
    assertTrue(e.getMessage().contains("another config") && e.getMessage().contains("seed"),
        e.getMessage());
    // A process killed between writing its config and finishing its first epoch left only that.
    Path killed = tmp.resolve("killed");
    Files.createDirectories(killed);
    KeConfig c = tiny().generations(1).epochs(1).build();
    Files.writeString(killed.resolve(KeConfig.FILE), c.toJson());
    RunResult r = GenerationLoop.open(c, null, digits, killed).run();
    assertTrue(r.finished());
    assertEquals(KeResult.read(dir).generations().get(0).denseAccuracy(),
        r.last().denseAccuracy(), 1e-12);
  }

  static Map<String, Long> snapshot(Path dir) throws IOException {
    Map<String, Long> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        m.put(dir.relativize(p).toString(),
            Files.size(p) * 31 + Files.getLastModifiedTime(p).toMillis());
      }
    }
    return m;
  }
}
