package io.kebridge.training.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.training.TrainingException;
import io.kebridge.training.optim.LrSchedule;
import io.kebridge.training.results.Baseline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeConfigTest {

  @Test
  void defaultsFollowTheReferenceRecipe() {
    KeConfig c = KeConfig.builder().build();
    assertEquals(0.9, c.momentum());
    assertEquals(1e-4, c.weightDecay());
    assertEquals(0.1, c.labelSmoothing());
    assertEquals("kels:0.5", c.split());
    assertEquals(ReinitRule.REFERENCE, c.reinit());
    assertEquals(LrSchedule.Kind.COSINE, c.schedule());
    assertEquals(32, c.batchSize());
    assertEquals(0, c.evalEvery(), "the reference evaluates once per generation");
    assertEquals(0, c.evalSubset());
  }

  @Test
  void evaluationPolicyEvaluatesEveryNEpochsOnTheSubsetAndEveryGenerationEndOnAll() {
    KeConfig every3 = KeConfig.builder().evalEvery(3).evalSubset(500).build();
    boolean[] evaluated = new boolean[10];
    for (int e = 1; e <= 10; e++) {
      evaluated[e - 1] = every3.evaluatesAfter(e, 10);
    }
    assertEquals(
        "[false, false, true, false, false, true, false, false, true, true]",
        java.util.Arrays.toString(evaluated));
    assertEquals(500, every3.evaluationImages(3, 10, 10_000));
    assertEquals(10_000, every3.evaluationImages(10, 10, 10_000), "a generation's end: all");
    assertEquals(200, every3.evaluationImages(3, 10, 200), "a subset no larger than the split");
    KeConfig byDefault = KeConfig.builder().build();
    assertTrue(!byDefault.evaluatesAfter(9, 10) && byDefault.evaluatesAfter(10, 10));
    assertEquals(10_000, KeConfig.builder().evalEvery(1).build().evaluationImages(1, 10, 10_000));
  }

  @Test
  void configsWrittenBeforeTheEvaluationPolicyStillRead() {
    String old = KeConfig.builder().build().toJson()
        .replace("\"evalEvery\" : 0,", "\"evaluateEveryEpoch\" : true,");
    assertTrue(old.contains("evaluateEveryEpoch"), old);
    assertEquals(1, KeConfig.fromJson(old).evalEvery());
  }

  @Test
  void everyOutOfRangeValueIsRefusedWithItsName() {
    String[][] cases = {
      {"stepEpochs", "step-epochs"}, {"warmupEpochs", "warm-up"}, {"stepGamma", "step-gamma"},
      {"evalEvery", "eval-every"}, {"evalSubset", "eval-subset"}, {"cropPadding", "crop padding"},
      {"stem", "stem"}
    };
    for (String[] c : cases) {
      KeConfig.Builder b = KeConfig.builder();
      switch (c[0]) {
        case "stepEpochs" -> b.stepEpochs(0);
        case "warmupEpochs" -> b.warmupEpochs(-1);
        case "stepGamma" -> b.stepGamma(0);
        case "evalEvery" -> b.evalEvery(-2);
        case "evalSubset" -> b.evalSubset(-1);
        case "cropPadding" -> b.cropPadding(-3);
        default -> b.stem("tall");
      }
      TrainingException e = assertThrows(TrainingException.class, b::build, c[0]);
      assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
    }
  }

  @Test
  void anInvalidConfigFileIsRefusedBeforeAnythingIsWritten(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("bad.yaml");
    Files.writeString(f, "schedule: step\nstepEpochs: 0\n");
    TrainingException e = assertThrows(TrainingException.class, () -> KeConfig.read(f));
    assertTrue(e.getMessage().contains("invalid config file") && e.getMessage().contains(
        "step-epochs"), e.getMessage());
  }

  @Test
  void jsonRoundTripKeepsEveryValue() {
    KeConfig c =
        KeConfig.builder().dataset("digits").generations(5).split("wels:0.3").redrawSplit(true)
            .baselines(List.of(Baseline.LONG)).reinit(ReinitRule.ZERO).seed(9).build();
    assertEquals(c, KeConfig.fromJson(c.toJson()));
  }

  @Test
  void yamlFileFillsABuilderWithCaseInsensitiveEnums(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("c.yml");
    Files.writeString(f, "architecture: resnet18\nschedule: step\nbaselines: [long, slim-scratch]\n");
    KeConfig c = KeConfig.read(f).epochs(2).build();
    assertEquals("resnet18", c.architecture());
    assertEquals(LrSchedule.Kind.STEP, c.schedule());
    assertEquals(List.of(Baseline.LONG, Baseline.SLIM_SCRATCH), c.baselines());
    assertEquals(2, c.epochs());
  }

  @Test
  void invalidCombinationsNameTheProblem() {
    TrainingException redraw =
        assertThrows(TrainingException.class,
            () -> KeConfig.builder().split("kels:0.5").redrawSplit(true).build());
    assertTrue(redraw.getMessage().contains("wels"), redraw.getMessage());
    TrainingException slim =
        assertThrows(TrainingException.class,
            () -> KeConfig.builder().split("wels:0.5")
                .baselines(List.of(Baseline.SLIM_SCRATCH)).build());
    assertTrue(slim.getMessage().contains("kels"), slim.getMessage());
    TrainingException arch =
        assertThrows(TrainingException.class, () -> KeConfig.builder().architecture("lenet").build());
    assertTrue(arch.getMessage().contains("small-cnn"), arch.getMessage());
  }

  @Test
  void initFromDefaultsToTheSourcesOwnNetworkAndReadsFromYamlAsAFolder(@TempDir Path tmp)
      throws Exception {
    KeConfig c = KeConfig.builder().initFrom(InitSource.of("imported/resnet18")).build();
    assertEquals(KeConfig.SOURCE_ARCHITECTURE, c.architecture());
    assertEquals(c, KeConfig.fromJson(c.toJson()));
    assertEquals("small-cnn", KeConfig.builder().build().architecture());

    Path yaml = Files.writeString(tmp.resolve("run.yaml"), "initFrom: imported/resnet18\n");
    KeConfig read = KeConfig.read(yaml).build();
    assertEquals(InitSource.of("imported/resnet18"), read.initFrom());
    assertEquals(KeConfig.SOURCE_ARCHITECTURE, read.architecture());
    // a file without an architecture leaves it to initFrom, which an option may set
    Path plain = Files.writeString(tmp.resolve("plain.yaml"), "epochs: 2\n");
    assertEquals(KeConfig.SOURCE_ARCHITECTURE, KeConfig.read(plain)
        .initFrom(InitSource.of("x")).build().architecture());
    Path object = Files.writeString(tmp.resolve("object.yaml"),
        "initFrom: {path: runs/a, generation: 2}\narchitecture: resnet18\n");
    KeConfig built = KeConfig.read(object).build();
    assertEquals(InitSource.of("runs/a", 2), built.initFrom());
    assertEquals("resnet18", built.architecture());
  }

  @Test
  void theSourceArchitectureNeedsInitFromAndTakesNoWidthOrStem() {
    TrainingException e = assertThrows(TrainingException.class,
        () -> KeConfig.builder().architecture("source").build());
    assertTrue(e.getMessage().contains("give --init-from DIR"), e.getMessage());
    e = assertThrows(TrainingException.class, () -> KeConfig.builder()
        .initFrom(InitSource.of("a")).width(8).build());
    assertTrue(e.getMessage().startsWith("--width and --stem build a built-in architecture"),
        e.getMessage());
    assertEquals(8, KeConfig.builder().initFrom(InitSource.of("a")).architecture("resnet18")
        .width(8).build().width());
  }
}
