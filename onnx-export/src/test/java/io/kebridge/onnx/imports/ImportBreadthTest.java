package io.kebridge.onnx.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.Padding;
import io.kebridge.models.testing.ReferenceForward;
import io.kebridge.onnx.TestNetworks;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.onnx.parity.ParityReport;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.training.graph.TfForward;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each importer path on a small file in the style of the stack that writes it: the import runs on
 * TensorFlow and must give the logits the original file gives on ONNX Runtime (the import check),
 * and where it says so, the plain-Java reference forward agrees too.
 */
class ImportBreadthTest {

  /** Imports {@code original} and checks it against the file on ONNX Runtime. */
  static ImportedModel importAndCheck(ModelProto original, String name) {
    ImportedModel m = OnnxImporter.convert(original, name);
    float[][] x = ImportCheck.randomImages(m.spec().input().shape(), 5, 3);
    try (TfForward tf = TfForward.open(m.spec(), m.weights())) {
      ParityReport p = ImportCheck.run(m, tf, x, OrtSettings.defaults());
      assertTrue(p.passed(), name + ": " + p.describe());
      assertEquals(5, p.top1Agreements(), name + ": " + p.describe());
    }
    return m;
  }

  private static <T extends Layer> List<T> layers(NetworkSpec spec, Class<T> type) {
    return spec.layers().stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void theZoosCaffe2ResNetWithSumAveragePoolAndWeightsAsInputsImportsAtOpsets7And9() {
    for (long[] v : new long[][] {{3, 7}, {3, 8}, {4, 9}}) {
      ModelProto file = ForeignModels.caffe2ResNet(v[0], v[1]);
      ImportedModel m = importAndCheck(file, "resnet50-caffe2-" + v[1] + ".onnx");
      NetworkSpec spec = m.spec();
      assertEquals(1, layers(spec, Layer.Add.class).size(), "Sum is the residual add");
      Layer.AvgPool head = layers(spec, Layer.AvgPool.class).get(0);
      assertEquals(4, head.kernel());
      assertEquals(new Padding(0, 0, 1, 1), layers(spec, Layer.MaxPool.class).get(0).padding());
      assertEquals(OriginalModel.Head.SOFTMAX, m.original().head());
      assertEquals("pred:0", m.original().logits(), "the check compares logits, not softmax");
      assertEquals(1, m.original().batch());
      assertEquals(5, spec.classes());
    }
  }

  @Test
  void theZoosVgg19WithAFixedBatchOfOneIsCheckedImageByImage() {
    ImportedModel m = importAndCheck(ForeignModels.zooVgg(1), "vgg19-7.onnx");
    assertEquals(1, m.original().batch());
    // the dropout between the classifier's layers is kept for fine-tuning
    assertEquals(0.5, layers(m.spec(), Layer.Dropout.class).get(0).rate(), 1e-9);
    // and a batch fixed at 3 is fed in threes, the last one filled up
    ImportedModel three = importAndCheck(ForeignModels.zooVgg(3), "vgg-batch3.onnx");
    assertEquals(3, three.original().batch());
  }

  @Test
  void theZoosSqueezeNetWithConcatAndCeilModePoolingImports() {
    ImportedModel m = importAndCheck(ForeignModels.zooSqueezeNet(), "squeezenet1.0-9.onnx");
    NetworkSpec spec = m.spec();
    assertEquals(2, layers(spec, Layer.Concat.class).size());
    assertTrue(layers(spec, Layer.MaxPool.class).stream().allMatch(Layer.MaxPool::ceilMode));
    assertEquals(4, spec.shapeOf(layers(spec, Layer.MaxPool.class).get(0).name()).height(),
        "ceil mode gives 4 windows over 8 pixels where floor gives 3");
    assertTrue(spec.layer(spec.output()) instanceof Layer.GlobalAvgPool);
  }

  @Test
  void torchsConstantOfShapePaddingAndShapeGatherFlattenFoldAtOpsets11And13() {
    for (long opset : new long[] {11, 13}) {
      ImportedModel m = importAndCheck(ForeignModels.torchPadAndFlatten(opset),
          "torch-opset" + opset + ".onnx");
      NetworkSpec spec = m.spec();
      Layer.AvgPool avg = layers(spec, Layer.AvgPool.class).get(0);
      assertEquals(new Padding(1, 1, 0, 0), avg.padding(), "the Pad folded into the pool");
      assertTrue(avg.countIncludePad() && avg.ceilMode());
      assertEquals(1, layers(spec, Layer.Flatten.class).size());
      assertEquals(OriginalModel.Head.LOG_SOFTMAX, m.original().head());
      assertEquals("conv", spec.layers().get(1).name(), "torch's module name from the weight");
      // ONNX Runtime before opset 19 divides these windows by the whole kernel: the check
      // runs the node as defined, and the user is told
      assertEquals(1, m.original().notes().size(), m.original().notes().toString());
    }
  }

  @Test
  void legacyTorchOpset7WithIdentityWeightsCeilAsPaddingAndCastFlattenImports() {
    ImportedModel m = importAndCheck(ForeignModels.torchOpset7(), "torch-opset7.onnx");
    NetworkSpec spec = m.spec();
    Layer.AvgPool avg = layers(spec, Layer.AvgPool.class).get(0);
    // Pad(1) + uncounted bottom/right pads: PyTorch's avg_pool2d(3, 2, 1, ceil_mode=True)
    assertEquals(Padding.of(1), avg.padding());
    assertTrue(avg.countIncludePad() && avg.ceilMode());
    assertEquals(new Padding(0, 0, 1, 1), layers(spec, Layer.MaxPool.class).get(0).padding());
    assertTrue(spec.has("conv") && spec.has("bn") && spec.has("fc"), spec.layers().toString());
  }

  @Test
  void caffe2AffineBatchNormLrnPadFoldingAndBiasAddsImport() {
    ImportedModel m = importAndCheck(ForeignModels.caffe2AffineAndLrn(), "caffe2.onnx");
    NetworkSpec spec = m.spec();
    List<Layer.BatchNorm> affine = layers(spec, Layer.BatchNorm.class);
    assertEquals(2, affine.size(), "Sub+Div on the input and Mul+Add after conv1: two");
    assertEquals("input", affine.get(0).input());
    assertEquals(1, layers(spec, Layer.Lrn.class).size());
    assertEquals(new Padding(1, 1, 0, 0), layers(spec, Layer.MaxPool.class).get(0).padding(),
        "the zero Pad after a ReLU6 folds into the max pool");
    Layer.Conv2d conv2 = (Layer.Conv2d) spec.layer("conv2");
    assertTrue(conv2.bias(), "the Add of a constant became conv2's bias");
    assertTrue(spec.layer(spec.output()) instanceof Layer.Dense d && d.bias());
    // the reference forward agrees as a third implementation
    float[][] x = ImportCheck.randomImages(spec.input().shape(), 2, 4);
    try (TfForward tf = TfForward.open(spec, m.weights())) {
      float[][] t = tf.logits(x);
      for (int i = 0; i < x.length; i++) {
        float[] r = ReferenceForward.logits(spec, m.weights(), x[i]);
        assertTrue(TestNetworks.maxAbsDiff(new float[][] {r}, new float[][] {t[i]})
            <= 1e-4 * Math.max(1, TestNetworks.maxAbs(new float[][] {r})));
      }
    }
  }

  @Test
  void tensorflowStyleSamePaddingTransposedWeightsAndDepthwiseImport() {
    ImportedModel m = importAndCheck(ForeignModels.tfStyle(false), "tf2onnx.onnx");
    NetworkSpec spec = m.spec();
    assertEquals(new Padding(0, 0, 1, 1), ((Layer.Conv2d) spec.layer("conv1")).padding());
    Layer.Conv2d dw = (Layer.Conv2d) spec.layer("dw");
    assertTrue(dw.depthwise());
    assertEquals(new Padding(1, 1, 0, 0), dw.padding(), "SAME_LOWER pads the top and left");
    assertEquals(2, layers(spec, Layer.Relu6.class).size());
  }

  @Test
  void aChannelsLastInputTransposedByTheGraphBecomesAnNchwInput() {
    ImportedModel m = importAndCheck(ForeignModels.tfStyle(true), "keras-nhwc.onnx");
    assertTrue(m.original().channelsLast());
    assertEquals(new io.kebridge.models.spec.ActivationShape(3, 12, 12),
        m.spec().input().shape());
    assertTrue(m.original().notes().get(0).contains("channels-last (NHWC)"));
    // the same weights as the NCHW file: the same network
    assertEquals(OnnxImporter.convert(ForeignModels.tfStyle(false), "nchw.onnx").spec(),
        m.spec());
  }

  @Test
  void gemmWithAlphaBetaAndEitherLayoutReduceMeanWithAxesInputAndOpset21Import() {
    ImportedModel m = importAndCheck(ForeignModels.gemmVariants(), "gemm.onnx");
    List<Layer.Dense> dense = layers(m.spec(), Layer.Dense.class);
    assertEquals(2, dense.size());
    assertTrue(dense.get(0).bias() && dense.get(1).bias());
    assertEquals(0.25, layers(m.spec(), Layer.Dropout.class).get(0).rate(), 1e-9);
  }

  @Test
  void theImportedNetworkExportsAgainAndGivesTheOriginalsLogits() {
    // a foreign file, imported, exported by ke-bridge and run on ONNX Runtime: the same logits
    for (ModelProto original : List.of(ForeignModels.zooSqueezeNet(),
        ForeignModels.torchPadAndFlatten(13), ForeignModels.caffe2AffineAndLrn())) {
      ImportedModel m = OnnxImporter.convert(original, "x.onnx");
      ModelProto again = OnnxExporter.export(m.spec(), m.weights(), TestNetworks.card(m.spec()),
          ExportOptions.defaults());
      float[][] x = ImportCheck.randomImages(m.spec().input().shape(), 3, 5);
      try (OrtForward a = OrtForward.open(m.original().check(), OrtSettings.defaults());
          OrtForward b = OrtForward.open(again, OrtSettings.defaults())) {
        float[][] la = ImportCheck.batched(a, x, m.original().batch());
        float[][] lb = b.logits(x);
        assertTrue(TestNetworks.maxAbsDiff(la, lb) <= 1e-4 * TestNetworks.maxAbs(la));
      }
      // and its spec survives a second import: the same layers where nothing was normalised
      ImportedModel back = OnnxImporter.convert(again, "again.onnx");
      assertEquals(m.spec().params(), back.spec().params());
      assertFalse(back.original().notes().stream().anyMatch(n -> n.contains("opset 19")),
          "ke-bridge's export writes every pool so that all ONNX Runtimes agree");
    }
  }
}
