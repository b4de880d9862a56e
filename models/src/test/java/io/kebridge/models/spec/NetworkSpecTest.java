package io.kebridge.models.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.ModelException;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkSpecTest {

  private static NetworkSpec resnet18() {
    return Architectures.build(
        "resnet18", ArchitectureConfig.of(new ActivationShape(3, 224, 224), 100));
  }

  @Test
  void validationNamesTheLayerWhoseInputChannelsDoNotMatch() {
    List<Layer> layers =
        List.of(
            new Layer.Input("input", new ActivationShape(3, 32, 32)),
            new Layer.Conv2d("layer3.1.conv1", "input", 3, 64, 3, 1, 1, false),
            new Layer.Conv2d("layer3.1.conv2", "layer3.1.conv1", 128, 128, 3, 1, 1, false));
    ModelException e =
        assertThrows(ModelException.class, () -> new NetworkSpec("x", layers, "layer3.1.conv2"));
    assertEquals("layer3.1.conv2: expects 128 input channels, gets 64", e.getMessage());
  }

  @Test
  void shapeInferenceFollowsStridesAndPadding() {
    NetworkSpec spec = resnet18();
    assertEquals(new ActivationShape(64, 112, 112), spec.shapeOf("conv1"));
    assertEquals(new ActivationShape(64, 56, 56), spec.shapeOf("maxpool"));
    assertEquals(new ActivationShape(128, 28, 28), spec.shapeOf("layer2.0.downsample.0"));
    assertEquals(new ActivationShape(512, 7, 7), spec.shapeOf("layer4.1.relu2"));
    assertEquals(new ActivationShape(100, 1, 1), spec.shapeOf("fc"));
    assertEquals(100, spec.classes());
  }

  @Test
  void readingAnUndefinedLayerIsRefused() {
    List<Layer> layers =
        List.of(
            new Layer.Input("input", new ActivationShape(1, 8, 8)),
            new Layer.Relu("relu", "missing"));
    ModelException e = assertThrows(ModelException.class, () -> new NetworkSpec("x", layers, "relu"));
    assertTrue(e.getMessage().startsWith("relu: reads 'missing'"), e.getMessage());
  }

  @Test
  void duplicateNamesAndAddsOfDifferentShapesAreRefused() {
    List<Layer> dup =
        List.of(
            new Layer.Input("input", new ActivationShape(1, 8, 8)),
            new Layer.Relu("a", "input"),
            new Layer.Relu("a", "input"));
    assertThrows(ModelException.class, () -> new NetworkSpec("x", dup, "a"));
    List<Layer> add =
        List.of(
            new Layer.Input("input", new ActivationShape(1, 8, 8)),
            new Layer.Conv2d("c", "input", 1, 4, 3, 1, 1, false),
            new Layer.Add("sum", List.of("input", "c")));
    ModelException e = assertThrows(ModelException.class, () -> new NetworkSpec("x", add, "sum"));
    assertTrue(e.getMessage().contains("sum: inputs input (1x8x8) and c (4x8x8)"), e.getMessage());
  }

  @Test
  void everyArchitectureSurvivesAJsonRoundTrip() {
    for (String name : Architectures.NAMES) {
      NetworkSpec spec =
          Architectures.build(name, ArchitectureConfig.of(new ActivationShape(3, 32, 32), 10));
      String json = SpecJson.toJson(spec);
      assertTrue(json.contains("\"format_version\" : 2"), json.substring(0, 80));
      NetworkSpec back = SpecJson.fromJson(json);
      assertEquals(spec, back, name);
      assertEquals(spec.params(), back.params(), name);
    }
  }

  @Test
  void aNewerFormatVersionIsRefusedWithAnUpgradeHint() {
    String json = SpecJson.toJson(resnet18()).replace("\"format_version\" : 2", "\"format_version\" : 9");
    ModelException e = assertThrows(ModelException.class, () -> SpecJson.fromJson(json));
    assertTrue(e.getMessage().contains("upgrade ke-bridge"), e.getMessage());
  }

  @Test
  void aVersionOneSpecWithoutConvolutionGroupsStillReads() {
    String v1 = SpecJson.toJson(resnet18())
        .replace("\"format_version\" : 2", "\"format_version\" : 1")
        .replaceAll(",\\s*\"groups\" : 1", "");
    assertTrue(!v1.contains("groups"), v1.substring(0, 400));
    assertEquals(resnet18(), SpecJson.fromJson(v1));
  }

  @Test
  void groupsConcatAvgPoolRelu6AndDropoutSurviveJson() {
    NetworkSpec spec = new NetworkSpec("mixed", List.of(
        new Layer.Input("input", new ActivationShape(4, 6, 6)),
        new Layer.Conv2d("dw", "input", 4, 8, 3, 1, 1, 4, false),
        new Layer.Conv2d("grouped", "dw", 8, 4, 1, 1, 0, 2, true),
        new Layer.Relu6("r6", "grouped"),
        new Layer.Concat("cat", List.of("r6", "input")),
        new Layer.AvgPool("pool", "cat", 3, 2, 1, false),
        new Layer.Dropout("drop", "pool", 0.25),
        new Layer.Relu("head", "drop", true),
        new Layer.GlobalAvgPool("gap", "head"),
        new Layer.Flatten("flat", "gap"),
        new Layer.Dense("fc", "flat", 8, 3, true)), "fc");
    String json = SpecJson.toJson(spec);
    assertEquals(spec, SpecJson.fromJson(json));
    assertTrue(json.contains("\"functional\" : true"), json);
    assertEquals(new ActivationShape(8, 3, 3), spec.shapeOf("pool"));
    assertArrayEquals(new int[] {8, 1, 3, 3}, spec.param("dw.weight").shape());
    assertArrayEquals(new int[] {4, 4, 1, 1}, spec.param("grouped.weight").shape());
  }

  @Test
  void badGroupsAndMismatchedConcatInputsAreRefusedByName() {
    ModelException g = assertThrows(ModelException.class,
        () -> new Layer.Conv2d("c", "x", 6, 4, 3, 1, 1, 4, false));
    assertTrue(g.getMessage().startsWith("c: groups must be positive and divide both channel"),
        g.getMessage());
    ModelException c = assertThrows(ModelException.class, () -> new NetworkSpec("x", List.of(
        new Layer.Input("input", new ActivationShape(2, 8, 8)),
        new Layer.MaxPool("half", "input", 2, 2, 0),
        new Layer.Concat("cat", List.of("input", "half"))), "cat"));
    assertTrue(c.getMessage().contains("cat: inputs input (2x8x8) and half (2x4x4) differ"),
        c.getMessage());
    assertThrows(ModelException.class, () -> new Layer.Dropout("d", "x", 1.0));
  }

  @Test
  void anUnknownLayerTypeOrBrokenJsonGivesAClearError() {
    String json = SpecJson.toJson(resnet18()).replace("\"type\" : \"relu\"", "\"type\" : \"gelu\"");
    ModelException e = assertThrows(ModelException.class, () -> SpecJson.fromJson(json));
    assertTrue(e.getMessage().contains("gelu"), e.getMessage());
    assertThrows(ModelException.class, () -> SpecJson.fromJson("{not json"));
  }

  @Test
  void specFilesAreWrittenAndReadBackAndMissingFilesAreNamed(@TempDir Path dir) {
    NetworkSpec spec = resnet18();
    Path f = dir.resolve("spec.json");
    SpecJson.write(spec, f);
    assertEquals(spec, SpecJson.read(f));
    ModelException e =
        assertThrows(ModelException.class, () -> SpecJson.read(dir.resolve("nope.json")));
    assertTrue(e.getMessage().contains("nope.json does not exist"), e.getMessage());
  }

  @Test
  void aCorruptSpecFileErrorNamesTheFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("spec.json");
    Files.writeString(f, "{\"format_version\": 1, \"layers\": [");
    ModelException e = assertThrows(ModelException.class, () -> SpecJson.read(f));
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("(line 1, column "), e.getMessage());
    assertFalse(e.getMessage().contains("Source:"), "no parser internals: " + e.getMessage());
  }
}
