package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.weights.SafeTensors;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.export.SavedModels;
import io.kebridge.training.graph.TfForward;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

class PruneCommandTest {
  @TempDir Path tmp;

  private static final DataSplits DIGITS = TestRuns.DIGITS;

  private Path run(String split, Weights weights) {
    return TestRuns.write(tmp.resolve("run"), split, weights);
  }

  private Path run() {
    return run("kels:0.5", null);
  }

  private static String slimAccuracy(Path run, int g) {
    return RunDirectory.open(run).generationWeights(g).metadata().get("slim_accuracy");
  }

  @Test
  void pruneReportsTheSlimAccuracyTheTrainerLoggedAndWritesASlimFolder() {
    Path run = run();
    Path out = tmp.resolve("slim");
    CliRun r = CliRun.of("prune", run.toString(), "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    String logged = slimAccuracy(run, 2);
    assertTrue(r.out().contains("generation 2 (kels:0.5): small-cnn -> small-cnn-slim"), r.out());
    assertTrue(r.out().contains("trainer logged " + logged + " for generation 2: equal"), r.out());

    RunDirectory slim = RunDirectory.open(out);
    NetworkSpec dense = RunDirectory.open(run).spec();
    assertEquals(new KelsPlan(0.5).slimSpec(dense), slim.spec());
    SafeTensors.read(slim.weightsFile()).weights().checkMatches(slim.spec());
    ModelCard card = slim.card();
    assertEquals(NetworkKind.SLIM, card.network());
    assertEquals(2, card.generation());
    assertEquals(Double.parseDouble(logged), card.accuracy(), 1e-12);
    assertEquals("digits", card.extra().get("dataset"));
    assertTrue(Files.isRegularFile(out.resolve("cost.json")));
    assertTrue(Files.isRegularFile(out.resolve("cost.md")));
  }

  @Test
  void pruneCutsTheRequestedGeneration() {
    Path run = run();
    CliRun r = CliRun.of("prune", run.toString(), "--generation", "1", "--out",
        tmp.resolve("slim").toString(), "--show-groups");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("trainer logged " + slimAccuracy(run, 1)
        + " for generation 1: equal"), r.out());
    assertTrue(r.out().contains("conv1                        keeps    2 of    4: 0-1"), r.out());
    assertTrue(r.out().contains("fc                           keeps   10 of   10 (fixed)"),
        r.out());
    assertEquals(1, RunDirectory.open(tmp.resolve("slim")).card().generation());
  }

  @Test
  void savedModelOfTheSlimNetworkLoadsBackWithTheSameLogits() {
    Path run = run();
    Path saved = tmp.resolve("saved");
    CliRun r = CliRun.of("prune", run.toString(), "--out", tmp.resolve("slim").toString(),
        "--saved-model", saved.toString(), "--skip-eval");
    assertEquals(0, r.exitCode(), r.err());
    RunDirectory slim = RunDirectory.open(tmp.resolve("slim"));
    NetworkSpec spec = slim.spec();
    Weights w = SafeTensors.read(slim.weightsFile()).weights();
    int n = 3;
    int per = 64;
    float[][] images = new float[n][];
    float[] flat = new float[n * per];
    for (int i = 0; i < n; i++) {
      images[i] = DIGITS.test().image(i);
      System.arraycopy(images[i], 0, flat, i * per, per);
    }
    float[][] want;
    try (Forward f = TfForward.open(spec, w)) {
      want = f.logits(images);
    }
    int classes = spec.classes();
    try (SavedModelBundle b = SavedModelBundle.load(saved.toString(), "serve");
        TFloat32 x = TFloat32.tensorOf(Shape.of(n, 1, 8, 8), DataBuffers.of(flat, true, false));
        Result res = b.function(SavedModels.SIGNATURE).call(Map.of("images", x))) {
      float[] logits = new float[n * classes];
      res.get("logits").orElseThrow().asRawTensor().data().asFloats().read(logits);
      for (int i = 0; i < n; i++) {
        float[] row = new float[classes];
        System.arraycopy(logits, i * classes, row, 0, classes);
        assertArrayEquals(want[i], row, 1e-5f);
      }
    }
  }

  private void assertOneLineFailureAndNothingWritten(CliRun r, String start) throws Exception {
    assertEquals(1, r.exitCode(), r.out() + r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("ke: error: " + start), r.err());
    assertFalse(Files.exists(tmp.resolve("slim")));
    assertFalse(Files.exists(tmp.resolve("saved")));
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(s.allMatch(p -> p.getFileName().toString().equals("run")),
          "only the run directory may exist");
    }
  }

  @Test
  void aMissingRunDirectoryIsAClearErrorAndWritesNothing() throws Exception {
    CliRun r = CliRun.of("prune", tmp.resolve("nope").toString(), "--out",
        tmp.resolve("slim").toString());
    assertOneLineFailureAndNothingWritten(r, "run directory " + tmp.resolve("nope")
        + " does not exist");
  }

  @Test
  void aWeightLevelSplitRunIsRefusedAndWritesNothing() throws Exception {
    Path run = run("wels:0.5", null);
    CliRun r = CliRun.of("prune", run.toString(), "--out", tmp.resolve("slim").toString(),
        "--saved-model", tmp.resolve("saved").toString());
    assertOneLineFailureAndNothingWritten(r, "split wels:0.5 has no slim network");
  }

  @Test
  void weightsThatDoNotMatchTheSpecAreRefusedAndWriteNothing() throws Exception {
    NetworkSpec other = Architectures.build("small-cnn", new ArchitectureConfig(
        DIGITS.train().shape(), 10, 8, ArchitectureConfig.Stem.AUTO));
    Path run = run("wels:0.5", WeightInit.randomized(other, 1));
    // rewrite the card with a KELS split so that only the weights are wrong
    RunDirectory dir = RunDirectory.open(run);
    ModelCard card = dir.card();
    dir.writeCard(card.toBuilder().split("kels:0.5").build());
    CliRun r = CliRun.of("prune", run.toString(), "--out", tmp.resolve("slim").toString());
    assertOneLineFailureAndNothingWritten(r, run.resolve("generations/gen-002/weights.safetensors")
        + ": weights do not match the network spec");
  }

  @Test
  void aNonEmptyOutputFolderIsRefused() throws Exception {
    Path run = run();
    Path out = Files.createDirectories(tmp.resolve("taken"));
    Files.writeString(out.resolve("keep.txt"), "x");
    CliRun r = CliRun.of("prune", run.toString(), "--out", out.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("already exists and is not empty"), r.err());
    try (Stream<Path> s = Files.list(out)) {
      assertEquals(List.of(out.resolve("keep.txt")), s.toList());
    }
  }
}
