package io.kebridge.models.spec;

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
      assertTrue(json.contains("\"format_version\" : 1"), json.substring(0, 80));
      NetworkSpec back = SpecJson.fromJson(json);
      assertEquals(spec, back, name);
      assertEquals(spec.params(), back.params(), name);
    }
  }

  @Test
  void aNewerFormatVersionIsRefusedWithAnUpgradeHint() {
    String json = SpecJson.toJson(resnet18()).replace("\"format_version\" : 1", "\"format_version\" : 9");
    ModelException e = assertThrows(ModelException.class, () -> SpecJson.fromJson(json));
    assertTrue(e.getMessage().contains("upgrade ke-bridge"), e.getMessage());
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
