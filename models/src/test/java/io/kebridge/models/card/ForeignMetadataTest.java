package io.kebridge.models.card;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForeignMetadataTest {

  @Test
  void labelsReadInEveryFormOtherStacksWrite() {
    List<String> abc = List.of("a", "b", "c");
    assertEquals(abc, ForeignMetadata.parseLabels("[\"a\", \"b\", \"c\"]", "x"));
    assertEquals(abc, ForeignMetadata.parseLabels("{\"2\": \"c\", \"0\": \"a\", \"1\": \"b\"}",
        "x"));
    assertEquals(abc, ForeignMetadata.parseLabels(
        "{\"0\": [\"n1\", \"a\"], \"1\": [\"n2\", \"b\"], \"2\": [\"n3\", \"c\"]}", "x"));
    assertEquals(abc, ForeignMetadata.parseLabels("{0: 'a', 1: \"b\", 2: 'c'}", "x"));
    assertEquals(abc, ForeignMetadata.parseLabels("a\r\nb\n\n c \n", "x"));
    assertEquals(List.of("it's, here"), ForeignMetadata.parseLabels("{0: 'it\\'s, here'}", "x"));
    assertEquals("categories", ForeignMetadata.labels(Map.of("categories", "[\"a\"]",
        "other", "1")).orElseThrow().key());
    assertEquals(List.of("class 0", "class 1"), ForeignMetadata.defaultLabels(2));
  }

  @Test
  void brokenLabelListsAreRefusedOnOneLine() {
    ModelException gap = assertThrows(ModelException.class,
        () -> ForeignMetadata.parseLabels("{\"0\": \"a\", \"2\": \"c\"}", "metadata 'labels'"));
    assertEquals("metadata 'labels' has no class 1 (its indices must run from 0 without gaps)",
        gap.getMessage());
    ModelException key = assertThrows(ModelException.class,
        () -> ForeignMetadata.parseLabels("{\"x\": \"a\"}", "f"));
    assertTrue(key.getMessage().contains("maps 'x' to a name"), key.getMessage());
    assertThrows(ModelException.class, () -> ForeignMetadata.parseLabels("[1, 2]", "f"));
    assertThrows(ModelException.class, () -> ForeignMetadata.parseLabels("[\"a\"", "f"));
    assertThrows(ModelException.class, () -> ForeignMetadata.parseLabels("  \n", "f"));
  }

  @Test
  void normalisationOnThe255ScaleIsBroughtToTheCardsUnitScale() {
    float[][] n = ForeignMetadata.normalization(Map.of("mean", "123.675, 116.28, 103.53",
        "std", "[58.395, 57.12, 57.375]")).orElseThrow().value();
    assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, n[0], 1e-6f);
    assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, n[1], 1e-6f);
    float[][] unit = ForeignMetadata.normalization(Map.of("image_mean", "[0.5]",
        "image_std", "[0.5]")).orElseThrow().value();
    assertArrayEquals(new float[] {0.5f}, unit[0]);
    assertTrue(ForeignMetadata.normalization(Map.of("mean", "[0.5]")).isEmpty());
    assertThrows(ModelException.class, () -> ForeignMetadata.normalization(
        Map.of("mean", "[NaN]", "std", "[1]")));
  }

  @Test
  void aLabelsFileIsTextOrJson(@TempDir Path dir) throws Exception {
    Path txt = Files.writeString(dir.resolve("imagenet_classes.txt"), "\uFEFFtench\ngoldfish\n");
    assertEquals(List.of("tench", "goldfish"), ForeignMetadata.labelsFile(txt));
    ModelException missing = assertThrows(ModelException.class,
        () -> ForeignMetadata.labelsFile(dir.resolve("none.txt")));
    assertTrue(missing.getMessage().endsWith("none.txt does not exist"), missing.getMessage());
  }
}
