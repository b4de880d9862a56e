package io.kebridge.onnx.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.OnnxFormat;
import io.kebridge.onnx.TestNetworks;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxExporterTest {
  private final NetworkSpec spec = TestNetworks.smallCnn();
  private final Weights weights = WeightInit.randomized(spec, 3);
  private final ModelCard card = TestNetworks.card(spec);

  @Test
  void exportedModelIsStampedWithIr8AndOpset17() {
    ModelProto m = OnnxExporter.export(spec, weights, card, ExportOptions.defaults());
    assertEquals(8, m.getIrVersion());
    assertEquals(1, m.getOpsetImportCount());
    assertEquals(17, m.getOpsetImport(0).getVersion());
    assertEquals("", m.getOpsetImport(0).getDomain());
  }

  @Test
  void everyLayerBecomesOneNodeNamedAfterIt() {
    ModelProto m = OnnxExporter.export(spec, weights, card, ExportOptions.defaults());
    List<String> ops = m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
    assertEquals(
        List.of("Conv", "BatchNormalization", "Relu", "MaxPool", "Conv", "BatchNormalization",
            "Relu", "MaxPool", "Conv", "BatchNormalization", "Relu", "GlobalAveragePool",
            "Flatten", "Gemm", "Softmax"),
        ops);
    assertEquals("conv1", m.getGraph().getNode(0).getName());
    assertEquals(List.of(OnnxFormat.LOGITS, OnnxFormat.PROBS),
        m.getGraph().getOutputList().stream().map(v -> v.getName()).toList());
    assertEquals(OnnxFormat.BATCH_DIM,
        m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
  }

  @Test
  void modelCardSurvivesTheFileAndIsReadableFromOnnxRuntime(@TempDir Path dir) {
    Path file = dir.resolve("m.onnx");
    OnnxExporter.write(spec, weights, card, ExportOptions.defaults(), file);
    ModelCard back = ModelCard.fromMetadata(OnnxFiles.metadata(OnnxFiles.read(file)));
    assertEquals(card.labels(), back.labels());
    assertEquals(card.input(), back.input());
    assertArrayEquals(card.mean(), back.mean());
    assertArrayEquals(card.std(), back.std());
    assertEquals(card.accuracy(), back.accuracy());
    assertEquals("7", back.extra().get("provenance.seed"));
    assertEquals("false", back.get(CardKey.EXPORT_FOLD_BATCHNORM).orElseThrow());
    try (OrtForward f = OrtForward.open(file, OrtSettings.defaults())) {
      assertEquals(card.toMetadata().get("ke.labels"), f.metadata().get("ke.labels"));
    }
  }

  @Test
  void foldingBatchNormRemovesTheNodesAndKeepsTheLogits() {
    ModelProto plain = OnnxExporter.export(spec, weights, card, ExportOptions.defaults());
    ModelProto folded =
        OnnxExporter.export(spec, weights, card, ExportOptions.defaults().withFoldBatchNorm(true));
    assertTrue(folded.getGraph().getNodeList().stream()
        .noneMatch(n -> n.getOpType().equals("BatchNormalization")));
    float[][] x = TestNetworks.images(spec, 5, 11);
    try (OrtForward a = OrtForward.open(plain, OrtSettings.defaults());
        OrtForward b = OrtForward.open(folded, OrtSettings.defaults())) {
      float[][] la = a.logits(x);
      float[][] lb = b.logits(x);
      assertTrue(TestNetworks.maxAbsDiff(la, lb) <= 1e-5 * TestNetworks.maxAbs(la),
          "folded logits differ by " + TestNetworks.maxAbsDiff(la, lb));
    }
  }

  @Test
  void aNetworkEndingOnAPooledMapStillGivesTwoDimensionalLogits() {
    NetworkSpec gap = new NetworkSpec("gap-only", List.of(
        new io.kebridge.models.spec.Layer.Input("input",
            new io.kebridge.models.spec.ActivationShape(3, 2, 2)),
        new io.kebridge.models.spec.Layer.GlobalAvgPool("out", "input")), "out");
    ModelCard c = TestNetworks.card(gap);
    ModelProto m = OnnxExporter.export(gap, Weights.of(List.of()), c, ExportOptions.defaults());
    float[] image = {1, 2, 3, 4, 10, 10, 10, 10, -1, 1, -1, 1};
    try (OrtForward f = OrtForward.open(m, OrtSettings.defaults())) {
      float[][] logits = f.logits(new float[][] {image});
      assertArrayEquals(new float[] {2.5f, 10f, 0f}, logits[0]);
    }
  }

  @Test
  void weightsOfAnotherNetworkAreRefusedWithTheMismatch() {
    NetworkSpec other = TestNetworks.smallCnn().withArchitecture("x");
    Weights wrong = WeightInit.randomized(
        io.kebridge.models.arch.Architectures.build("small-cnn",
            new io.kebridge.models.arch.ArchitectureConfig(
                new io.kebridge.models.spec.ActivationShape(1, 8, 8), 10, 8, null)), 1);
    OnnxException e = assertThrows(OnnxException.class,
        () -> OnnxExporter.export(other, wrong, card, ExportOptions.defaults()));
    assertTrue(e.getMessage().contains("conv1.weight"), e.getMessage());
  }
}
