package io.kebridge.prune.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.card.SourceFile;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.weights.SafeTensors;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.prune.PruneException;
import io.kebridge.prune.cost.CostComparison;
import io.kebridge.prune.cost.Latency;
import io.kebridge.prune.cut.SlimNetwork;
import io.kebridge.prune.cut.SlimPruner;
import io.kebridge.models.testing.Networks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlimFolderTest {
  @TempDir Path tmp;

  private final NetworkSpec dense = Networks.smallCnn(4);
  private final SlimNetwork slim =
      SlimPruner.prune(dense, WeightInit.randomized(dense, 1), new KelsPlan(0.5));
  private final CostComparison cost = CostComparison.of("kels:0.5", dense, slim.spec());

  private ModelCard denseCard() {
    return ModelCard.builder(List.of("a", "b", "c", "d", "e"), dense.input().shape())
        .architecture("small-cnn").split("kels:0.5").generation(3)
        .normalization(new float[] {0.5f}, new float[] {0.25f}).accuracy(0.8).version("0.1.0")
        .set(CardKey.DATASET, "digits").build();
  }

  @Test
  void writesASlimRunDirectoryWithCardAndCostReport() {
    SourceFile from =
        new SourceFile("run/generations/gen-003/weights.safetensors", "ab".repeat(32));
    ModelCard card = SlimFolder.slimCard(denseCard(), "kels:0.5", 3, 0.5, from);
    RunDirectory dir = SlimFolder.write(tmp.resolve("slim"), slim, card, cost,
        Map.of("slim_accuracy", "0.5"));

    assertEquals(slim.spec(), dir.spec());
    SafeTensors.Contents w = SafeTensors.read(dir.weightsFile());
    w.weights().checkMatches(slim.spec());
    assertEquals("0.5", w.metadata().get("slim_accuracy"));
    ModelCard back = dir.card();
    assertEquals(NetworkKind.SLIM, back.network());
    assertEquals(3, back.generation());
    assertEquals(0.5, back.accuracy());
    assertEquals("digits", back.get(CardKey.DATASET).orElseThrow());
    assertEquals(from, back.source(CardKey.PRUNED_FROM).orElseThrow());
    assertEquals("0.8", back.get(CardKey.DENSE_ACCURACY).orElseThrow());
    assertEquals(card, back);
    assertEquals(cost, CostComparison.read(dir.path().resolve(SlimFolder.COST_JSON)));
    assertTrue(Files.isRegularFile(dir.path().resolve(SlimFolder.COST_MD)));
  }

  @Test
  void refusesANonEmptyTargetAndLeavesItUntouched() throws Exception {
    Path target = Files.createDirectories(tmp.resolve("taken"));
    Files.writeString(target.resolve("notes.txt"), "mine");
    PruneException e = assertThrows(PruneException.class, () -> SlimFolder.write(target, slim,
        denseCard(), cost, Map.of()));
    assertTrue(e.getMessage().endsWith("already exists and is not empty; choose another --out or "
        + "remove it"), e.getMessage());
    try (Stream<Path> s = Files.list(target)) {
      assertEquals(List.of(target.resolve("notes.txt")), s.toList());
    }
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(target), s.toList(), "no staging folder may be left behind");
    }
  }

  @Test
  void fillsAnExistingEmptyDirectory() throws Exception {
    Path target = Files.createDirectories(tmp.resolve("empty"));
    SlimFolder.write(target, slim, denseCard(), cost, Map.of());
    assertTrue(Files.isRegularFile(target.resolve("spec.json")));
  }

  @Test
  void aFailedWriteLeavesNothingBehind() throws Exception {
    // the target's parent is a file, so the staging folder cannot be created
    Path blocker = Files.writeString(tmp.resolve("file"), "x");
    assertThrows(PruneException.class, () -> SlimFolder.write(blocker.resolve("slim"), slim,
        denseCard(), cost, Map.of()));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(blocker), s.toList());
    }
    assertFalse(Files.exists(blocker.resolve("slim")));
  }

  @Test
  void recordedLatencyLandsInBothCostFiles() throws Exception {
    Path target = tmp.resolve("slim");
    SlimFolder.write(target, slim, denseCard(), cost, Map.of());
    SlimFolder.recordLatency(target, new Latency("onnxruntime CPU", 1, 3.0, 1.0));
    CostComparison back = CostComparison.read(target.resolve(SlimFolder.COST_JSON));
    assertEquals(new Latency("onnxruntime CPU", 1, 3.0, 1.0), back.latency());
    assertEquals(cost.slim(), back.slim());
    assertTrue(Files.readString(target.resolve(SlimFolder.COST_MD)).contains("3.00x faster"));
    assertThrows(PruneException.class,
        () -> SlimFolder.recordLatency(tmp, new Latency("x", 1, 1, 1)));
  }
}
