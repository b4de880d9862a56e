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
import io.kebridge.models.testing.Networks;
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
      assertTrue(json.contains("\"format_version\" : " + NetworkSpec.FORMAT_VERSION),
          json.substring(0, 80));
      NetworkSpec back = SpecJson.fromJson(json);
      assertEquals(spec, back, name);
      assertEquals(spec.params(), back.params(), name);
    }
  }

  @Test
  void aNewerFormatVersionIsRefusedWithAnUpgradeHint() {
    String json = SpecJson.toJson(resnet18()).replace(
        "\"format_version\" : " + NetworkSpec.FORMAT_VERSION, "\"format_version\" : 9");
    ModelException e = assertThrows(ModelException.class, () -> SpecJson.fromJson(json));
    assertTrue(e.getMessage().contains("upgrade ke-bridge"), e.getMessage());
  }

  @Test
  void aVersionOneSpecWithoutConvolutionGroupsStillReads() {
    String v1 = SpecJson.toJson(resnet18())
        .replace("\"format_version\" : " + NetworkSpec.FORMAT_VERSION, "\"format_version\" : 1")
        .replaceAll(",\\s*\"groups\" : 1", "");
    assertTrue(!v1.contains("groups"), v1.substring(0, 400));
    assertEquals(resnet18(), SpecJson.fromJson(v1));
  }

  @Test
  void aVersionTwoSpecReadsWithUniformPaddingAndNoCeilMode() {
    // what ke-bridge wrote before format 3, verbatim: padding as one number, no ceilMode
    String v2 = """
        {"format_version": 2, "architecture": "v2", "output": "fc", "layers": [
          {"type": "input", "name": "input", "shape": {"channels": 2, "height": 6, "width": 6}},
          {"type": "conv2d", "name": "c", "input": "input", "inChannels": 2, "outChannels": 4,
           "kernel": 3, "stride": 1, "padding": 1, "groups": 1, "bias": true},
          {"type": "max_pool", "name": "m", "input": "c", "kernel": 2, "stride": 2, "padding": 0},
          {"type": "avg_pool", "name": "a", "input": "m", "kernel": 3, "stride": 1, "padding": 1,
           "countIncludePad": false},
          {"type": "global_avg_pool", "name": "g", "input": "a"},
          {"type": "dense", "name": "fc", "input": "g", "inFeatures": 4, "outFeatures": 2,
           "bias": true}]}
        """;
    NetworkSpec spec = SpecJson.fromJson(v2);
    assertEquals(new Layer.Conv2d("c", "input", 2, 4, 3, 1, 1, true), spec.layer("c"));
    assertEquals(new Layer.MaxPool("m", "c", 2, 2, 0), spec.layer("m"));
    assertEquals(new Layer.AvgPool("a", "m", 3, 1, 1, false), spec.layer("a"));
    assertEquals(spec, SpecJson.fromJson(SpecJson.toJson(spec)));
    assertFalse(SpecJson.toJson(spec).contains("ceilMode"), "a default ceilMode is not written");
  }

  @Test
  void lrnCeilModeAndPaddingBySideSurviveJson() {
    NetworkSpec spec = Networks.foreign();
    String json = SpecJson.toJson(spec);
    assertTrue(json.contains("\"padding\" : [ 0, 0, 1, 1 ]"), json);
    assertTrue(json.contains("\"ceilMode\" : true"), json);
    assertTrue(json.contains("\"type\" : \"lrn\""), json);
    assertEquals(spec, SpecJson.fromJson(json));
  }

  @Test
  void paddingThatIsNeitherANumberNorFourSidesIsRefused() {
    String json = SpecJson.toJson(resnet18()).replaceFirst("\"padding\" : 3", "\"padding\" : [ 3, 3 ]");
    ModelException e = assertThrows(ModelException.class, () -> SpecJson.fromJson(json));
    assertTrue(e.getMessage().contains("[top, left, bottom, right]"), e.getMessage());
  }

  @Test
  void ceilModeWindowsFollowPyTorchsRule() {
    ActivationShape in = new ActivationShape(1, 5, 5);
    // 5 pixels padded by 1: a third window would start in the bottom padding, so it is dropped
    assertEquals(3, new NetworkSpec("p", List.of(new Layer.Input("input", in),
        new Layer.MaxPool("m", "input", 2, 2, Padding.of(1), true)), "m").shapeOf("m").height());
    // 8 pixels, 3x3 stride 2: floor gives 3 windows, ceil 4 (the last one partial)
    ActivationShape eight = new ActivationShape(1, 8, 8);
    assertEquals(4, new NetworkSpec("p", List.of(new Layer.Input("input", eight),
        new Layer.MaxPool("m", "input", 3, 2, Padding.NONE, true)), "m").shapeOf("m").height());
    assertEquals(new Padding(0, 0, 1, 1), new Layer.MaxPool("m", "input", 3, 2, Padding.NONE,
        true).floorPadding(eight));
    // padding on the top only: 7 + 1 - 3 = 5 pixels of travel give 3 windows (4 with both sides)
    assertEquals(3, new NetworkSpec("p", List.of(new Layer.Input("input",
        new ActivationShape(1, 7, 7)), new Layer.AvgPool("a", "input", 3, 2,
        new Padding(1, 1, 0, 0), true, false)), "a").shapeOf("a").height());
  }

  @Test
  void anEvenLrnWindowAndPoolingPaddedAsWideAsItsKernelAreRefused() {
    ModelException lrn = assertThrows(ModelException.class,
        () -> new Layer.Lrn("n", "x", 4, 1e-4, 0.75, 1));
    assertTrue(lrn.getMessage().contains("odd"), lrn.getMessage());
    ModelException pool = assertThrows(ModelException.class,
        () -> new Layer.MaxPool("m", "x", 2, 2, new Padding(0, 0, 2, 0), false));
    assertTrue(pool.getMessage().contains("less padding than the kernel"), pool.getMessage());
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
