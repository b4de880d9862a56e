package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.card.SourceFile;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.onnx.graph.OnnxFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network from another stack (an ONNX file without ke's card) through the whole bridge: {@code
 * ke import} writes a card (defaults, the file's metadata, or what is given), then {@code ke
 * eval}, {@code ke export}, {@code ke prune} and {@code ke train --init-from} work on the folder,
 * and the run's first evaluation is what {@code ke eval} measured.
 */
class BringYourOwnModelTest {
  @TempDir static Path shared;
  /** A digits classifier whose ONNX file says nothing about itself. */
  static ModelProto foreign;

  @BeforeAll
  static void exportAForeignFile() {
    Path run = TestRuns.write(shared.resolve("run"), "kels:0.5", null);
    Path file = shared.resolve("ke.onnx");
    assertEquals(0, CliRun.of("export", run.toString(), "--out", file.toString(), "--no-verify")
        .exitCode());
    foreign = OnnxFiles.read(file).toBuilder().clearMetadataProps().setProducerName("pytorch")
        .setProducerVersion("2.13.0").build();
  }

  private static Path write(ModelProto m, Path file) {
    OnnxFiles.write(m, file);
    return file;
  }

  private static ModelProto withMetadata(ModelProto m, Map<String, String> entries) {
    ModelProto.Builder b = m.toBuilder();
    entries.forEach((k, v) -> b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k)
        .setValue(v)));
    return b.build();
  }

  @Test
  void aFileWithoutACardGetsDefaultLabelsNoNormalisationAndItsProvenance(@TempDir Path dir) {
    Path file = write(foreign, dir.resolve("net.onnx"));
    Path out = dir.resolve("imported");
    CliRun r = CliRun.of("import", file.toString(), "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("card: 10 labels (class 0, class 1, class 2, ...) from none in"
        + " the file"), r.out());
    ModelCard card = RunDirectory.open(out).card();
    assertEquals(NetworkKind.IMPORTED, card.network());
    assertEquals("class 9", card.labels().get(9));
    assertArrayEquals(new float[] {0f}, card.mean());
    assertArrayEquals(new float[] {1f}, card.std());
    assertEquals(new SourceFile("net.onnx", SourceFile.sha256(file)),
        card.source(CardKey.IMPORTED_FROM).orElseThrow());
    assertEquals("pytorch 2.13.0", card.get(CardKey.IMPORTED_PRODUCER).orElseThrow());
    assertEquals(null, card.split());

    // ke export of the folder: parity on random images, the card carried into the file
    Path onnx = dir.resolve("again.onnx");
    CliRun e = CliRun.of("export", out.toString(), "--out", onnx.toString());
    assertEquals(0, e.exitCode(), e.err());
    assertTrue(e.out().contains("parity on 32 random images") && e.out().contains("PASS"),
        e.out());
    Map<String, String> meta = OnnxFiles.metadata(OnnxFiles.read(onnx));
    assertEquals("imported", meta.get("ke.network"));
    assertEquals("imported/weights.safetensors", meta.get("ke.export.source"));
    assertEquals("net.onnx", meta.get("ke.imported_from"));
  }

  @Test
  void labelsAndNormalisationInTheFilesMetadataAreUsed(@TempDir Path dir) {
    String names = "[\"zero\", \"one\", \"two\", \"three\", \"four\", \"five\", \"six\","
        + " \"seven\", \"eight\", \"nine\"]";
    // a 0-255 mean and std, as Caffe-style exports write them
    Path file = write(withMetadata(foreign, Map.of("categories", names, "mean", "[127.5]",
        "std", "[51]")), dir.resolve("net.onnx"));
    Path out = dir.resolve("imported");
    CliRun r = CliRun.of("import", file.toString(), "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    ModelCard card = RunDirectory.open(out).card();
    assertEquals("nine", card.labels().get(9));
    assertArrayEquals(new float[] {0.5f}, card.mean(), 1e-7f);
    assertArrayEquals(new float[] {0.2f}, card.std(), 1e-7f);
    assertTrue(r.out().contains("from the file's metadata 'categories'"), r.out());

    // Ultralytics writes its names as a Python dict; the options win over the metadata
    Path yolo = write(withMetadata(foreign, Map.of("names",
        "{0: 'a', 1: 'b', 2: 'c', 3: 'd', 4: 'e', 5: 'f', 6: 'g', 7: 'h', 8: 'i', 9: \"j, k\"}")),
        dir.resolve("yolo.onnx"));
    CliRun y = CliRun.of("import", yolo.toString(), "--out", dir.resolve("y").toString(),
        "--mean", "0.25", "--std", "0.5", "--no-verify");
    assertEquals(0, y.exitCode(), y.err());
    ModelCard c = RunDirectory.open(dir.resolve("y")).card();
    assertEquals(List.of("a", "b"), c.labels().subList(0, 2));
    assertEquals("j, k", c.labels().get(9));
    assertArrayEquals(new float[] {0.25f}, c.mean());
  }

  @Test
  void aLabelsFileInKerasIndexFormAndWrongCountsAreHandled(@TempDir Path dir) throws Exception {
    Path file = write(foreign, dir.resolve("net.onnx"));
    StringBuilder json = new StringBuilder("{");
    for (int i = 9; i >= 0; i--) { // any key order: the index decides
      json.append('"').append(i).append("\": [\"n0").append(i).append("\", \"digit ").append(i)
          .append("\"]").append(i > 0 ? ", " : "}");
    }
    Path labels = Files.writeString(dir.resolve("index.json"), json);
    CliRun r = CliRun.of("import", file.toString(), "--out", dir.resolve("a").toString(),
        "--labels-file", labels.toString(), "--no-verify");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("digit 3", RunDirectory.open(dir.resolve("a")).card().labels().get(3));

    CliRun few = CliRun.of("import", file.toString(), "--out", dir.resolve("b").toString(),
        "--labels", "cat,dog");
    assertEquals(2, few.exitCode());
    assertTrue(few.err().contains("--labels gives 2 names, the network has 10 classes"),
        few.err());
    assertFalse(Files.exists(dir.resolve("b")));
    Path lines = Files.writeString(dir.resolve("l.txt"), "a\nb\n\n");
    CliRun badFile = CliRun.of("import", file.toString(), "--out", dir.resolve("c").toString(),
        "--labels-file", lines.toString());
    assertEquals(2, badFile.exitCode());
    assertTrue(badFile.err().contains("holds 2 names"), badFile.err());
  }

  @Test
  void anOpenImageSizeIsSetWithInput(@TempDir Path dir) {
    ModelProto.Builder b = foreign.toBuilder();
    TensorShapeProto.Builder shape = b.getGraphBuilder().getInputBuilder(0).getTypeBuilder()
        .getTensorTypeBuilder().getShapeBuilder();
    shape.setDim(2, TensorShapeProto.Dimension.newBuilder().setDimParam("height"));
    shape.setDim(3, TensorShapeProto.Dimension.newBuilder().setDimParam("width"));
    Path file = write(b.build(), dir.resolve("dynamic.onnx"));
    CliRun without = CliRun.of("import", file.toString(), "--out", dir.resolve("a").toString());
    assertEquals(1, without.exitCode());
    CliRun with = CliRun.of("import", file.toString(), "--out", dir.resolve("b").toString(),
        "--input", "1x8x8");
    assertEquals(0, with.exitCode(), with.err());
    assertTrue(with.out().contains("PASS"), with.out());
    assertEquals("1x8x8", RunDirectory.open(dir.resolve("b")).spec().input().shape().toString());
    CliRun other = CliRun.of("import", write(foreign, dir.resolve("fixed.onnx")).toString(),
        "--out", dir.resolve("c").toString(), "--input", "3x8x8");
    assertEquals(1, other.exitCode());
    assertTrue(other.err().contains("is fixed at [batch, C, H, W] [1, 8, 8]; --input 3x8x8 can"
        + " only set the dimensions the file leaves open"), other.err());
  }

  @Test
  void anImportedFolderEvaluatesPrunesAndStartsATrainingRunThatFirstMeasuresTheSame(
      @TempDir Path dir) throws Exception {
    Path file = write(foreign, dir.resolve("net.onnx"));
    Path imported = dir.resolve("imported");
    assertEquals(0, CliRun.of("import", file.toString(), "--out", imported.toString())
        .exitCode());

    CliRun eval = CliRun.of("eval", imported.toString(), "--data", "digits", "--json");
    assertEquals(0, eval.exitCode(), eval.err());
    JsonNode measured = new ObjectMapper().readTree(eval.out());

    CliRun train = CliRun.of("train", "--init-from", imported.toString(), "--data", "digits",
        "--generations", "1", "--epochs", "1", "--out", dir.resolve("run").toString(),
        "--progress", "lines");
    assertEquals(0, train.exitCode(), train.err());
    assertTrue(train.out().contains("ke starts from imported/weights.safetensors"), train.out());
    JsonNode init = new ObjectMapper().readTree(
        Files.readAllLines(dir.resolve("run/metrics.jsonl")).get(0));
    assertEquals("init", init.get("type").asText());
    assertEquals(measured.get("top1").asDouble(), init.get("denseAccuracy").asDouble(), 1e-12,
        "the run's first evaluation is ke eval's");
    assertEquals(measured.get("images").asInt(), init.get("images").asInt());
    assertEquals(List.of(), List.copyOf(new ObjectMapper().convertValue(init.get("fresh"),
        List.class)));
    String report = Files.readString(dir.resolve("run/report.html"));
    assertTrue(report.contains("Starting weights") && report.contains(SourceFile.sha256(
        imported.resolve("weights.safetensors"))), "the report names the weights");

    // ke prune of the imported folder: its KELS fit part cut out
    Path slim = dir.resolve("slim");
    CliRun prune = CliRun.of("prune", imported.toString(), "--split", "kels:0.5", "--out",
        slim.toString(), "--data", "digits", "--no-latency");
    assertEquals(0, prune.exitCode(), prune.err());
    assertTrue(prune.out().contains("cut from a folder's weights"), prune.out());
    ModelCard slimCard = RunDirectory.open(slim).card();
    assertEquals(NetworkKind.SLIM, slimCard.network());
    assertEquals("kels:0.5", slimCard.split());
    assertEquals("imported/weights.safetensors",
        slimCard.source(CardKey.PRUNED_FROM).orElseThrow().name());
    CliRun noSplit = CliRun.of("prune", imported.toString(), "--out",
        dir.resolve("x").toString());
    assertEquals(1, noSplit.exitCode());
    assertTrue(noSplit.err().contains("give --split kels:S"), noSplit.err());
  }
}
