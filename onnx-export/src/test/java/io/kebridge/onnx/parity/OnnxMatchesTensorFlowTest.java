package io.kebridge.onnx.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.ArchitectureConfig.Stem;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.TestNetworks;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.onnx.export.VerifiedExport;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.training.graph.TfForward;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every exported operator checked against the TensorFlow graph of the same spec and weights:
 * dense and slim networks of each built-in architecture, both ResNet stems, folded batch-norms.
 */
class OnnxMatchesTensorFlowTest {

  private static NetworkSpec build(String arch, ActivationShape in, int width, Stem stem) {
    return Architectures.build(arch, new ArchitectureConfig(in, 10, width, stem));
  }

  private static ParityReport verify(NetworkSpec spec, float[][] images, ExportOptions options) {
    Weights w = WeightInit.randomized(spec, 17);
    VerifiedExport.Result r = VerifiedExport.export(spec, w, TestNetworks.card(spec), options,
        TfForward::open, "tensorflow", images, OrtSettings.defaults());
    assertTrue(r.parity().passed(), r.parity().describe());
    return r.parity();
  }

  @Test
  void smallCnnOnRealDigitsMatchesTensorFlow() {
    NetworkSpec spec = build("small-cnn", new ActivationShape(1, 8, 8), 4, null);
    Dataset test = Datasets.load("digits").test();
    float[][] images = new float[16][];
    for (int i = 0; i < images.length; i++) {
      images[i] = test.image(i).clone();
      for (int j = 0; j < images[i].length; j++) {
        images[i][j] = (images[i][j] - 0.3f) / 0.4f;
      }
    }
    ParityReport p = verify(spec, images, ExportOptions.defaults());
    assertEquals(16, p.top1Agreements());
  }

  @Test
  void resnet18WithCifarStemMatchesTensorFlow() {
    NetworkSpec spec = build("resnet18", new ActivationShape(3, 16, 16), 4, Stem.CIFAR);
    verify(spec, TestNetworks.images(spec, 8, 1), ExportOptions.defaults());
  }

  @Test
  void resnet18WithImagenetStemMatchesTensorFlow() {
    NetworkSpec spec = build("resnet18", new ActivationShape(3, 32, 32), 4, Stem.IMAGENET);
    verify(spec, TestNetworks.images(spec, 8, 2), ExportOptions.defaults());
  }

  @Test
  void vgg11WithBatchNormMatchesTensorFlow() {
    NetworkSpec spec = build("vgg11-bn", new ActivationShape(1, 28, 28), 4, null);
    verify(spec, TestNetworks.images(spec, 8, 3), ExportOptions.defaults());
  }

  @Test
  void slimResnet18CutByKelsMatchesTensorFlow() {
    NetworkSpec dense = build("resnet18", new ActivationShape(3, 16, 16), 8, Stem.CIFAR);
    NetworkSpec slim = new KelsPlan(0.5).slimSpec(dense);
    verify(slim, TestNetworks.images(slim, 8, 4), ExportOptions.defaults());
  }

  @Test
  void slimSmallCnnCutByKelsMatchesTensorFlow() {
    NetworkSpec dense = build("small-cnn", new ActivationShape(1, 8, 8), 6, null);
    NetworkSpec slim = new KelsPlan(0.3).slimSpec(dense);
    verify(slim, TestNetworks.images(slim, 8, 5), ExportOptions.defaults());
  }

  @Test
  void slimVgg11CutByKelsMatchesTensorFlow() {
    NetworkSpec dense = build("vgg11-bn", new ActivationShape(3, 16, 16), 4, null);
    NetworkSpec slim = new KelsPlan(0.5).slimSpec(dense);
    verify(slim, TestNetworks.images(slim, 8, 7), ExportOptions.defaults());
  }

  @Test
  void unusualLayerCombinationsMatchTensorFlow() {
    // a three-way add, a conv with bias and no batch-norm, a padded max-pool, a dense layer
    // reading a pooled map without flatten, a bias-free dense layer and a batch-norm on vectors
    NetworkSpec spec = new NetworkSpec("unusual", List.of(
        new Layer.Input("input", new ActivationShape(2, 9, 9)),
        new Layer.Conv2d("a", "input", 2, 6, 3, 1, 1, true),
        new Layer.Conv2d("b", "input", 2, 6, 1, 1, 0, false),
        new Layer.BatchNorm("b_bn", "b", 6, 1e-3, 0.1),
        new Layer.Conv2d("c", "input", 2, 6, 5, 1, 2, true),
        new Layer.Add("sum", List.of("a", "b_bn", "c")),
        new Layer.Relu("relu", "sum"),
        new Layer.MaxPool("pool", "relu", 3, 2, 1),
        new Layer.GlobalAvgPool("gap", "pool"),
        new Layer.Dense("hidden", "gap", 6, 5, false),
        new Layer.BatchNorm("hidden_bn", "hidden", 5, 1e-5, 0.1),
        new Layer.Relu("hidden_relu", "hidden_bn"),
        new Layer.Dense("out", "hidden_relu", 5, 4, true)), "out");
    verify(spec, TestNetworks.images(spec, 8, 8), ExportOptions.defaults());
    verify(spec, TestNetworks.images(spec, 8, 8), ExportOptions.defaults().withFoldBatchNorm(true));
  }

  @Test
  void everyLayerTypeMatchesTensorFlowDenseSlimAndFolded() {
    NetworkSpec spec = io.kebridge.models.testing.Networks.mixed();
    verify(spec, TestNetworks.images(spec, 8, 10), ExportOptions.defaults());
    verify(spec, TestNetworks.images(spec, 8, 10), ExportOptions.defaults().withFoldBatchNorm(true));
    NetworkSpec slim = new KelsPlan(0.5).slimSpec(spec);
    verify(slim, TestNetworks.images(slim, 8, 11), ExportOptions.defaults());
  }

  @Test
  void lrnPaddingBySideAndCeilModePoolingMatchTensorFlowAndTheReference() {
    // ONNX Runtime's LRN, asymmetric pads and ceil_mode (with both divisors) against TF and the
    // plain-Java reference: three implementations of the same definitions
    NetworkSpec spec = io.kebridge.models.testing.Networks.foreign();
    float[][] x = TestNetworks.images(spec, 6, 15);
    verify(spec, x, ExportOptions.defaults());
    Weights w = WeightInit.randomized(spec, 17);
    try (OrtForward ort = OrtForward.open(OnnxExporter.export(spec, w, TestNetworks.card(spec),
        ExportOptions.defaults()), OrtSettings.defaults())) {
      float[][] got = ort.logits(x);
      for (int i = 0; i < x.length; i++) {
        float[] want = io.kebridge.models.testing.ReferenceForward.logits(spec, w, x[i]);
        assertTrue(TestNetworks.maxAbsDiff(new float[][] {want}, new float[][] {got[i]})
            <= 1e-4 * TestNetworks.maxAbs(new float[][] {want}), "image " + i);
      }
    }
  }

  @Test
  void newArchitecturesMatchTensorFlowDenseSlimAndFolded() {
    for (NetworkSpec spec : List.of(
        build("resnet50", new ActivationShape(3, 32, 32), 4, Stem.IMAGENET),
        build("densenet121", new ActivationShape(3, 32, 32), 4, Stem.IMAGENET),
        build("densenet169", new ActivationShape(3, 16, 16), 4, Stem.CIFAR),
        build("mobilenet-v2", new ActivationShape(3, 32, 32), 8, Stem.IMAGENET))) {
      verify(spec, TestNetworks.images(spec, 4, 12), ExportOptions.defaults());
      verify(spec, TestNetworks.images(spec, 4, 13),
          ExportOptions.defaults().withFoldBatchNorm(true));
      NetworkSpec slim = new KelsPlan(0.5).slimSpec(spec);
      verify(slim, TestNetworks.images(slim, 4, 14), ExportOptions.defaults());
    }
  }

  @Test
  void foldedBatchNormsStillMatchTensorFlow() {
    NetworkSpec spec = build("resnet18", new ActivationShape(3, 32, 32), 4, Stem.IMAGENET);
    verify(spec, TestNetworks.images(spec, 8, 6), ExportOptions.defaults().withFoldBatchNorm(true));
  }

  @Test
  void dynamicBatchOfOneSevenAndSixtyFourMatchesTensorFlow() {
    NetworkSpec spec = build("resnet18", new ActivationShape(3, 16, 16), 4, Stem.CIFAR);
    Weights w = WeightInit.randomized(spec, 8);
    VerifiedExport.Result r = VerifiedExport.export(spec, w, TestNetworks.card(spec),
        ExportOptions.defaults(), TfForward::open, "tensorflow", TestNetworks.images(spec, 4, 9),
        OrtSettings.defaults());
    try (TfForward tf = TfForward.open(spec, w);
        OrtForward ort = OrtForward.open(r.model(), OrtSettings.defaults())) {
      for (int batch : new int[] {1, 7, 64}) {
        float[][] x = TestNetworks.images(spec, batch, batch);
        float[][] got = ort.logits(x);
        assertEquals(batch, got.length);
        ParityReport p = ParityCheck.compare(tf.logits(x), got, "tensorflow");
        assertTrue(p.passed(), "batch " + batch + ": " + p.describe());
      }
    }
  }

  @Test
  void parityFiguresAreStoredInTheModelMetadata() {
    NetworkSpec spec = build("small-cnn", new ActivationShape(1, 8, 8), 4, null);
    VerifiedExport.Result r = VerifiedExport.export(spec, WeightInit.randomized(spec, 1),
        TestNetworks.card(spec), ExportOptions.defaults(), TfForward::open, "tensorflow",
        TestNetworks.images(spec, 5, 1), OrtSettings.defaults());
    ModelCard card = ModelCard.fromMetadata(OnnxFiles.metadata(r.model()));
    Map<String, String> extra = card.extra();
    assertEquals("tensorflow", extra.get("parity.reference"));
    assertEquals("5/5", extra.get("parity.top1_agreement"));
    assertEquals("true", extra.get("parity.passed"));
    assertTrue(Double.parseDouble(extra.get("parity.max_rel_diff")) <= ParityCheck.TOLERANCE);
    assertEquals(TestNetworks.card(spec).labels(), card.labels());
  }

  @Test
  void exportFailsWhenTheReferenceDisagrees() {
    NetworkSpec spec = build("small-cnn", new ActivationShape(1, 8, 8), 4, null);
    Weights other = WeightInit.randomized(spec, 99);
    OnnxException e = assertThrows(OnnxException.class,
        () -> VerifiedExport.export(spec, WeightInit.randomized(spec, 1), TestNetworks.card(spec),
            ExportOptions.defaults(), (s, w) -> TfForward.open(s, other), "tensorflow",
            TestNetworks.images(spec, 5, 1), OrtSettings.defaults()));
    assertTrue(e.getMessage().contains("does not match") && e.getMessage().contains("FAIL"),
        e.getMessage());
  }
}
