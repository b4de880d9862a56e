package io.kebridge.training.ke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.SourceFile;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.io.Folders;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.testing.TestFiles;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.TrainingException;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.InitRecord;
import io.kebridge.training.results.KeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --init-from}: generation 1 starts from another network's weights, exactly the tensors
 * whose name and shape match, with a fresh classifier for another class count; the baselines
 * start from the same weights; a resumed run needs no source, a changed source is refused.
 */
class InitFromTest {
  static DataSplits digits;
  /** The digits 0, 1 and 2 only: a dataset with another class count. */
  static DataSplits threeDigits;
  @TempDir static Path shared;
  static Path source;

  @BeforeAll
  static void trainTheSource() {
    digits = Datasets.load("digits");
    threeDigits = new DataSplits(firstClasses(digits.train(), 3), firstClasses(digits.test(), 3));
    source = shared.resolve("source");
    KeTrainer.create(KeTrainerTest.tiny().generations(1).build(), digits, source).run();
  }

  private static Dataset firstClasses(Dataset d, int k) {
    List<float[]> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int i = 0; i < d.size(); i++) {
      if (d.label(i) < k) {
        images.add(d.image(i));
        labels.add(d.label(i));
      }
    }
    return new Dataset(d.name() + "[0-2]", d.shape(), d.classNames().subList(0, k),
        images.toArray(new float[0][]), labels.stream().mapToInt(Integer::intValue).toArray());
  }

  private static KeConfig.Builder fromSource() {
    return KeTrainerTest.tiny().architecture(null).width(0)
        .initFrom(InitSource.of(source.toString()));
  }

  @Test
  void loadsExactlyTheMatchingTensorsAndAFreshClassifierForAnotherClassCount(@TempDir Path tmp) {
    // a learning rate so small that generation 1's weights are its starting weights
    KeConfig config = fromSource().dataset("digits 0-2").generations(1).epochs(1)
        .learningRate(1e-9).build();
    Path dir = tmp.resolve("run");
    KeResult r = KeTrainer.create(config, threeDigits, dir).run();

    RunDirectory run = RunDirectory.open(dir);
    NetworkSpec spec = run.spec();
    assertEquals(3, spec.classes());
    assertEquals(RunDirectory.open(source).spec().withArchitecture("x").layers().size(),
        spec.layers().size(), "the source's own network, re-targeted");
    int features = spec.param("fc.weight").shape()[1];
    InitRecord init = r.ke().init();
    assertNotNull(init);
    assertEquals(List.of("fc.weight [3, " + features + "] (source [10, " + features + "])",
        "fc.bias [3] (source [10])"), init.fresh());
    assertEquals(spec.params().size() - 2, init.loaded());
    assertEquals(spec.params().size(), init.tensors());

    Weights from = RunDirectory.open(source).generationWeights(1).weights();
    Weights after = run.generationWeights(1).weights();
    Weights fresh = WeightInit.heNormal(spec, config.seed());
    for (ParamSpec p : spec.params()) {
      if (!p.kind().trainable()) {
        continue; // batch-norm statistics move in training whatever the learning rate
      }
      Weights want = p.name().startsWith("fc.") ? fresh : from;
      assertArrayEquals(want.get(p.name()).data(), after.get(p.name()).data(), 1e-5f, p.name());
    }

    // config.json and the card say where the weights came from, by name and SHA-256
    Path file = source.resolve("generations/gen-001/weights.safetensors");
    KeConfig saved = KeConfig.ofRun(dir);
    assertEquals("source/generations/gen-001/weights.safetensors", saved.initFrom().file());
    assertEquals(SourceFile.sha256(file), saved.initFrom().sha256());
    ModelCard card = run.card();
    assertEquals(saved.initFrom().source(), card.source(CardKey.INIT_FROM).orElseThrow());
    // the images are normalised as the source was trained
    assertArrayEquals(RunDirectory.open(source).card().mean(), card.mean());
    assertEquals(SourceFile.sha256(dir.resolve(KeConfig.FILE)),
        card.get(CardKey.CONFIG_HASH).orElseThrow());
  }

  @Test
  void theFirstEvaluationIsTheSourcesAccuracyAndTheBaselinesStartFromTheSameWeights(
      @TempDir Path tmp) throws Exception {
    KeConfig config = fromSource().generations(2).epochs(1)
        .baselines(List.of(Baseline.LONG, Baseline.SLIM_SCRATCH)).build();
    KeResult r = KeTrainer.create(config, digits, tmp.resolve("run")).run();
    InitRecord ke = r.ke().init();
    assertEquals(List.of(), ke.fresh());
    // the same weights, images and normalisation the source's generation 1 was measured with
    assertEquals(RunDirectory.open(source).generation(1).denseAccuracy(), ke.denseAccuracy());
    assertEquals(RunDirectory.open(source).generation(1).slimAccuracy(), ke.slimAccuracy());

    InitRecord longRun = r.baselines().get(Baseline.LONG).init();
    assertEquals(ke.denseAccuracy(), longRun.denseAccuracy());
    assertEquals(ke.loaded(), longRun.loaded());
    // slim-scratch starts from the fit part of the same weights: the slim network KE measured
    InitRecord slim = r.baselines().get(Baseline.SLIM_SCRATCH).init();
    assertEquals(ke.slimAccuracy(), slim.denseAccuracy());
    assertTrue(Files.readString(tmp.resolve("run/metrics.jsonl")).startsWith("{\"type\":\"init\""));
  }

  @Test
  void aResumedRunNeedsNoSourceAndEndsAsAnUninterruptedOne(@TempDir Path tmp) throws Exception {
    Path copy = tmp.resolve("copy");
    TestFiles.copyTree(source, copy);
    KeConfig config = KeTrainerTest.tiny().architecture(null).width(0)
        .initFrom(InitSource.of(copy.toString())).build();
    KeResult whole = KeTrainer.create(config, digits, tmp.resolve("whole")).run();

    Path dir = tmp.resolve("interrupted");
    KeTrainer first = KeTrainer.create(config, digits, dir);
    first.addListener(new TrainingListener() {
      @Override
      public void onEpochEnd(EpochMetrics m) {
        if (m.generation() == 1 && m.epoch() == 1) {
          first.cancel();
        }
      }
    });
    assertFalse(first.run().finished());
    Folders.deleteTree(copy); // a checkpoint holds everything a resume needs

    KeResult resumed = KeTrainer.resume(dir, digits).run();
    assertTrue(resumed.finished());
    KeTrainerTest.assertSameMetrics(whole, resumed);
    assertEquals(whole.ke().init(), resumed.ke().init());
  }

  @Test
  void weightsThatChangedSinceTheRunWasConfiguredAreRefused(@TempDir Path tmp) {
    InitSource recorded = InitSource.of(source.toString()).resolve();
    InitSource other = new InitSource(recorded.path(), 0, recorded.file(), "0".repeat(64));
    KeConfig config = KeTrainerTest.tiny().architecture(null).width(0).initFrom(other).build();
    TrainingException e = assertThrows(TrainingException.class,
        () -> KeTrainer.create(config, digits, tmp.resolve("run")).run());
    assertTrue(e.getMessage().contains("its weights changed"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("run/config.json")), "nothing is written");
  }

  @Test
  void aBuiltInArchitectureTakesTheTensorsWhoseNamesAndShapesMatch(@TempDir Path tmp) {
    // the source's architecture and width load everything; twice the width only what keeps its
    // shape (the biases and batch-norms of the fixed-width classifier, nothing of the convolutions)
    KeConfig same = fromSource().architecture("small-cnn").width(4).generations(1).epochs(1)
        .build();
    InitRecord all = KeTrainer.create(same, digits, tmp.resolve("same")).run().ke().init();
    assertEquals(List.of(), all.fresh());
    KeConfig wider = fromSource().architecture("small-cnn").width(8).generations(1).epochs(1)
        .build();
    InitRecord some = KeTrainer.create(wider, digits, tmp.resolve("wider")).run().ke().init();
    assertTrue(some.fresh().contains("conv1.weight [8, 1, 3, 3] (source [4, 1, 3, 3])"),
        some.fresh().toString());
    assertTrue(some.loaded() < some.tensors());
  }

  @Test
  void noMatchingTensorIsAClearError(@TempDir Path tmp) {
    KeConfig config = fromSource().architecture("resnet18").width(8).build();
    TrainingException e = assertThrows(TrainingException.class,
        () -> KeTrainer.create(config, threeDigits, tmp.resolve("run")).run());
    assertTrue(e.getMessage().startsWith("--init-from " + source + ": none of its"),
        e.getMessage());
  }
}
