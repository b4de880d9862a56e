package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.SourceFile;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportCommandTest {

  @Test
  void exportOfARunPassesParityOnTheCardsDatasetAndStoresTheFigures(@TempDir Path dir) {
    Path run = TestRuns.write(dir.resolve("run"), "kels:0.5", null);
    Path file = dir.resolve("dense.onnx");
    CliRun r = CliRun.of("export", run.toString(), "--out", file.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("parity vs tensorflow on 32 images"), r.out());
    assertTrue(r.out().contains("top-1 agreement 32/32: PASS"), r.out());
    Map<String, String> meta = OnnxFiles.metadata(OnnxFiles.read(file));
    assertEquals("true", meta.get("ke.parity.passed"));
    assertEquals("dense", meta.get("ke.network"));
    assertEquals("2", meta.get("ke.generation"));
    assertEquals("0.5", meta.get("ke.accuracy"));
    assertEquals("digits", meta.get("ke.dataset"));
    // provenance by file name and SHA-256, nothing of this machine's filesystem
    assertEquals("run/generations/gen-002/weights.safetensors", meta.get("ke.export.source"));
    assertEquals(SourceFile.sha256(run.resolve("generations/gen-002/weights.safetensors")),
        meta.get("ke.export.source_sha256"));
    assertTrue(meta.values().stream().noneMatch(v -> v.contains(dir.toString())), meta.toString());
    assertEquals(TestRuns.DIGITS.train().classNames(), ModelCard.fromMetadata(meta).labels());
  }

  @Test
  void slimExportCutsTheKelsNetworkOutOfTheRun(@TempDir Path dir) {
    Path run = TestRuns.write(dir.resolve("run"), "kels:0.5", null);
    Path file = dir.resolve("slim.onnx");
    CliRun r = CliRun.of("export", run.toString(), "--slim", "--generation", "1", "--out",
        file.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("PASS"), r.out());
    ModelProto m = OnnxFiles.read(file);
    Map<String, String> meta = OnnxFiles.metadata(m);
    assertEquals("slim", meta.get("ke.network"));
    assertEquals("1", meta.get("ke.generation"));
    // width 4, kels:0.5: conv1 keeps ceil(0.5 * 4) = 2 filters
    assertEquals(java.util.List.of(2L, 1L, 3L, 3L), m.getGraph().getInitializerList().stream()
        .filter(t -> t.getName().equals("conv1.weight")).findFirst().orElseThrow().getDimsList());
  }

  @Test
  void repositoryEntryIsWrittenInTheTritonLayout(@TempDir Path dir) throws Exception {
    Path run = TestRuns.write(dir.resolve("run"), "kels:0.5", null);
    Path repo = dir.resolve("repo");
    CliRun r = CliRun.of("export", run.toString(), "--fold-batchnorm", "--repository",
        repo.toString(), "--name", "digits", "--version", "2", "--max-batch-size", "16");
    assertEquals(0, r.exitCode(), r.err());
    ModelProto m = OnnxFiles.read(repo.resolve("digits/2/model.onnx"));
    assertTrue(m.getGraph().getNodeList().stream()
        .noneMatch(n -> n.getOpType().equals("BatchNormalization")));
    String config = Files.readString(repo.resolve("digits/config.pbtxt"));
    assertTrue(config.contains("max_batch_size: 16"), config);
    assertEquals(java.util.List.of(1L, 8L, 8L), io.kebridge.modelconfig.ModelConfigText
        .parse(config, "config.pbtxt").config().getInput(0).getDimsList(), config);
  }

  @Test
  void exportImportExportThroughTheCliKeepsTheLogits(@TempDir Path dir) {
    Path run = TestRuns.write(dir.resolve("run"), "kels:0.5", null);
    Path first = dir.resolve("first.onnx");
    Path second = dir.resolve("second.onnx");
    assertEquals(0, CliRun.of("export", run.toString(), "--out", first.toString()).exitCode());
    CliRun imp = CliRun.of("import", first.toString(), "--out", dir.resolve("imported").toString());
    assertEquals(0, imp.exitCode(), imp.err());
    CliRun exp = CliRun.of("export", dir.resolve("imported").toString(), "--out", second.toString());
    assertEquals(0, exp.exitCode(), exp.err());
    float[][] x = new float[3][64];
    for (int i = 0; i < 64; i++) {
      x[0][i] = i / 64f;
      x[1][i] = (i % 7) - 3;
      x[2][i] = -i / 32f;
    }
    try (OrtForward a = OrtForward.open(first, OrtSettings.defaults());
        OrtForward b = OrtForward.open(second, OrtSettings.defaults())) {
      float[][] la = a.logits(x);
      float[][] lb = b.logits(x);
      for (int i = 0; i < la.length; i++) {
        assertArrayEquals(la[i], lb[i]);
      }
    }
  }

  @Test
  void slimFolderWrittenByPruneExportsWithItsCard(@TempDir Path dir) {
    Path run = TestRuns.write(dir.resolve("run"), "kels:0.5", null);
    Path slim = dir.resolve("slim");
    CliRun prune = CliRun.of("prune", run.toString(), "--out", slim.toString(), "--skip-eval");
    assertEquals(0, prune.exitCode(), prune.err());
    Path file = dir.resolve("slim.onnx");
    CliRun r = CliRun.of("export", slim.toString(), "--out", file.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("exporting " + slim + ": slim small-cnn-slim"), r.out());
    assertTrue(r.out().contains("PASS"), r.out());
    Map<String, String> meta = OnnxFiles.metadata(OnnxFiles.read(file));
    assertEquals("slim", meta.get("ke.network"));
    assertEquals("run/generations/gen-002/weights.safetensors", meta.get("ke.pruned_from"));
    assertEquals(SourceFile.sha256(run.resolve("generations/gen-002/weights.safetensors")),
        meta.get("ke.pruned_from_sha256"));
    assertEquals("slim/weights.safetensors", meta.get("ke.export.source"));
    assertTrue(meta.values().stream().noneMatch(v -> v.contains(dir.toString())), meta.toString());
  }

  @Test
  void helpListsTheRepositoryVersionOption() {
    CliRun r = CliRun.of("export", "--help");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("--version=V"), r.out());
    assertTrue(r.out().contains("--fold-batchnorm"), r.out());
  }

  @Test
  void slimOfAnAlreadySlimFolderIsRefusedWithAHint(@TempDir Path dir) {
    Path run = TestRuns.write(dir.resolve("run"), "kels:0.5", null);
    Path slim = dir.resolve("slim");
    assertEquals(0, CliRun.of("prune", run.toString(), "--out", slim.toString(), "--skip-eval")
        .exitCode());
    CliRun r = CliRun.of("export", slim.toString(), "--slim", "--out",
        dir.resolve("x.onnx").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("already holds a slim network"), r.err());
  }

  @Test
  void exportWithoutADestinationIsAUsageError(@TempDir Path dir) {
    Path run = TestRuns.write(dir.resolve("run"), "kels:0.5", null);
    CliRun r = CliRun.of("export", run.toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--out FILE"), r.err());
  }

  @Test
  void aFolderThatIsNoRunFailsWithOneLine(@TempDir Path dir) {
    CliRun r = CliRun.of("export", dir.toString(), "--out", dir.resolve("m.onnx").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("ke: error: ") && r.err().contains("no spec.json"), r.err());
  }
}
