package io.kebridge.onnx.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.SafeTensors;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.TestNetworks;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.training.graph.TfForward;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxImporterTest {

  @Test
  void handBuiltModelWithEverySupportedOperatorImportsToTheSameLogits() {
    ModelProto original = HandBuiltModels.everySupportedOperator();
    ImportedModel imported = OnnxImporter.convert(original, "hand-built");
    NetworkSpec spec = imported.spec();
    assertEquals("imported", spec.architecture());
    assertNull(imported.card());
    assertTrue(spec.layer("stem.conv") instanceof Layer.Conv2d c && c.bias());
    assertTrue(spec.layer("block.conv") instanceof Layer.Conv2d c && !c.bias());
    Layer.BatchNorm bn = (Layer.BatchNorm) spec.layer("stem.bn");
    assertEquals(1e-3, bn.epsilon(), 1e-9);
    assertEquals(0.1, bn.momentum(), 1e-6);
    assertTrue(spec.layer("out") instanceof Layer.Dense d && d.bias() && d.outFeatures() == 3);
    assertEquals(3, spec.classes());
    ModelProto reexported =
        OnnxExporter.export(spec, imported.weights(), card(spec), ExportOptions.defaults());
    float[][] x = TestNetworks.images(spec, 6, 3);
    try (OrtForward a = OrtForward.open(original, OrtSettings.defaults());
        OrtForward b = OrtForward.open(reexported, OrtSettings.defaults());
        TfForward tf = TfForward.open(spec, imported.weights())) {
      float[][] la = a.logits(x);
      float[][] lb = b.logits(x);
      assertTrue(TestNetworks.maxAbsDiff(la, lb) <= 1e-5 * TestNetworks.maxAbs(la),
          Arrays.deepToString(la) + " vs " + Arrays.deepToString(lb));
      float[][] lt = tf.logits(x);
      assertTrue(TestNetworks.maxAbsDiff(la, lt) <= 1e-5 * TestNetworks.maxAbs(la),
          Arrays.deepToString(la) + " vs TensorFlow " + Arrays.deepToString(lt));
    }
  }

  @Test
  void olderExporterStyleWithFloatDataAndAxesInputImportsToTheSameLogits() {
    ModelProto original = HandBuiltModels.olderExporterStyle();
    ImportedModel imported = OnnxImporter.convert(original, "legacy.onnx");
    NetworkSpec spec = imported.spec();
    assertTrue(spec.layer("features.0") instanceof Layer.Conv2d c && c.stride() == 2);
    assertTrue(spec.layer("classifier") instanceof Layer.Dense d && !d.bias());
    assertTrue(spec.has("onnx__Relu_7"), spec.layers().toString());
    ModelProto reexported =
        OnnxExporter.export(spec, imported.weights(), card(spec), ExportOptions.defaults());
    float[][] x = TestNetworks.images(spec, 5, 8);
    try (OrtForward a = OrtForward.open(original, OrtSettings.defaults());
        OrtForward b = OrtForward.open(reexported, OrtSettings.defaults())) {
      float[][] la = a.logits(x);
      float[][] lb = b.logits(x);
      assertTrue(TestNetworks.maxAbsDiff(la, lb) <= 1e-5 * TestNetworks.maxAbs(la),
          Arrays.deepToString(la) + " vs " + Arrays.deepToString(lb));
      try (TfForward tf = TfForward.open(spec, imported.weights())) {
        float[][] lt = tf.logits(x);
        assertTrue(TestNetworks.maxAbsDiff(la, lt) <= 1e-5 * TestNetworks.maxAbs(la),
            Arrays.deepToString(la) + " vs TensorFlow " + Arrays.deepToString(lt));
      }
    }
  }

  @Test
  void torchStyleNodeNamesWithSlashesBecomeLayerNamesTensorFlowAccepts() {
    // torch.onnx names nodes "/layer1/layer1.0/conv1/Conv": a slash would open a TF name scope
    ModelProto.Builder b = HandBuiltModels.olderExporterStyle().toBuilder();
    for (int i = 0; i < b.getGraph().getNodeCount(); i++) {
      var node = b.getGraphBuilder().getNodeBuilder(i);
      node.setName("/features/features." + i + "/" + node.getOpType());
    }
    ModelProto original = b.build();
    ImportedModel imported = OnnxImporter.convert(original, "torch-style.onnx");
    NetworkSpec spec = imported.spec();
    for (Layer l : spec.layers()) {
      assertTrue(l.name().matches("[A-Za-z0-9.][A-Za-z0-9_.\\-]*"), l.name());
    }
    float[][] x = TestNetworks.images(spec, 3, 9);
    try (OrtForward a = OrtForward.open(original, OrtSettings.defaults());
        TfForward tf = TfForward.open(spec, imported.weights())) {
      float[][] la = a.logits(x);
      assertTrue(TestNetworks.maxAbsDiff(la, tf.logits(x)) <= 1e-5 * TestNetworks.maxAbs(la));
    }
  }

  @Test
  void exportImportExportGivesIdenticalLogitsAndTheSameSpec() {
    NetworkSpec spec = io.kebridge.models.arch.Architectures.build("resnet18",
        new io.kebridge.models.arch.ArchitectureConfig(
            new io.kebridge.models.spec.ActivationShape(3, 16, 16), 5, 4, null));
    Weights weights = WeightInit.randomized(spec, 9);
    ModelCard card = TestNetworks.card(spec);
    ModelProto first = OnnxExporter.export(spec, weights, card, ExportOptions.defaults());
    ImportedModel imported = OnnxImporter.convert(first, "first.onnx");
    assertEquals(spec, imported.spec());
    assertEquals(card.labels(), imported.card().labels());
    ModelProto second = OnnxExporter.export(imported.spec(), imported.weights(), imported.card(),
        ExportOptions.defaults());
    float[][] x = TestNetworks.images(spec, 4, 1);
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
  void groupsConcatAveragePoolsAndClipSurviveExportAndImport() {
    for (NetworkSpec spec : List.of(io.kebridge.models.testing.Networks.mixed(),
        io.kebridge.models.testing.Networks.densenet121(4,
            io.kebridge.models.arch.ArchitectureConfig.Stem.IMAGENET, 32),
        io.kebridge.models.testing.Networks.mobilenetV2(8,
            io.kebridge.models.arch.ArchitectureConfig.Stem.CIFAR, 16))) {
      Weights weights = WeightInit.randomized(spec, 10);
      ModelProto first = OnnxExporter.export(spec, weights, TestNetworks.card(spec),
          ExportOptions.defaults());
      ImportedModel imported = OnnxImporter.convert(first, "first.onnx");
      // dropout is the identity at inference and leaves no node to import
      NetworkSpec expected = withoutDropout(spec);
      assertEquals(expected.layers().size(), imported.spec().layers().size(), spec.architecture());
      for (int i = 0; i < expected.layers().size(); i++) {
        assertEquals(expected.layers().get(i), imported.spec().layers().get(i),
            spec.architecture());
      }
      float[][] x = TestNetworks.images(spec, 3, 2);
      try (OrtForward a = OrtForward.open(first, OrtSettings.defaults());
          TfForward tf = TfForward.open(imported.spec(), imported.weights())) {
        float[][] la = a.logits(x);
        assertTrue(TestNetworks.maxAbsDiff(la, tf.logits(x)) <= 1e-5 * TestNetworks.maxAbs(la),
            spec.architecture());
      }
    }
  }

  /** The spec with every dropout layer removed (its readers read its input instead). */
  private static NetworkSpec withoutDropout(NetworkSpec spec) {
    java.util.Map<String, String> skip = new java.util.HashMap<>();
    List<Layer> out = new java.util.ArrayList<>();
    for (Layer l : spec.layers()) {
      List<String> ins = l.inputs().stream().map(i -> skip.getOrDefault(i, i)).toList();
      if (l instanceof Layer.Dropout d) {
        skip.put(d.name(), ins.get(0));
      } else {
        out.add(ins.equals(l.inputs()) ? l : l.withInputs(ins));
      }
    }
    return new NetworkSpec(spec.architecture(), out, skip.getOrDefault(spec.output(),
        spec.output()));
  }

  @Test
  void importWritesARunDirectoryEveryToolReads(@TempDir Path dir) {
    NetworkSpec spec = TestNetworks.smallCnn();
    Weights weights = WeightInit.randomized(spec, 2);
    Path file = dir.resolve("m.onnx");
    OnnxExporter.write(spec, weights, TestNetworks.card(spec), ExportOptions.defaults(), file);
    OnnxImporter.read(file).writeTo(RunDirectory.create(dir.resolve("out")),
        Map.of("source", file.toString()));
    RunDirectory run = RunDirectory.open(dir.resolve("out"));
    assertEquals(spec, run.spec());
    assertEquals(TestNetworks.card(spec).labels(), run.card().labels());
    Weights back = SafeTensors.read(run.weightsFile()).weights();
    assertEquals(weights.names(), back.names());
    assertArrayEquals(weights.get("conv2.weight").data(), back.get("conv2.weight").data());
  }

  @Test
  void unsupportedOperatorsAreListedByNameAndPositionInOneError() {
    OnnxException e = assertThrows(OnnxException.class,
        () -> OnnxImporter.convert(HandBuiltModels.withUnsupportedOperators(), "other.onnx"));
    assertTrue(e.getMessage().contains("Sigmoid is not supported (node 1 'gate')"),
        e.getMessage());
    assertTrue(e.getMessage().contains("Resize is not supported (node 2 'up')"), e.getMessage());
    assertTrue(e.getMessage().startsWith("other.onnx"), e.getMessage());
  }

  @Test
  void aFileThatIsNotOnnxIsRefusedClearly(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("notes.onnx");
    Files.writeString(file, "this is a text file, not a model\n", StandardCharsets.UTF_8);
    OnnxException e = assertThrows(OnnxException.class, () -> OnnxImporter.read(file));
    assertTrue(e.getMessage().contains("is not an ONNX model"), e.getMessage());
  }

  @Test
  void aTruncatedFileIsRefusedClearly(@TempDir Path dir) throws Exception {
    NetworkSpec spec = TestNetworks.smallCnn();
    byte[] whole = OnnxExporter.export(spec, WeightInit.randomized(spec, 1),
        TestNetworks.card(spec), ExportOptions.defaults()).toByteArray();
    Path file = dir.resolve("cut.onnx");
    Files.write(file, Arrays.copyOf(whole, whole.length / 2));
    OnnxException e = assertThrows(OnnxException.class, () -> OnnxImporter.read(file));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void aMissingFileIsNamed(@TempDir Path dir) {
    OnnxException e = assertThrows(OnnxException.class,
        () -> OnnxFiles.read(dir.resolve("none.onnx")));
    assertTrue(e.getMessage().contains("none.onnx does not exist"), e.getMessage());
  }

  private static ModelCard card(NetworkSpec spec) {
    return TestNetworks.card(spec);
  }
}
