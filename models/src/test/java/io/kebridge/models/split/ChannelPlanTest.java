package io.kebridge.models.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.models.ModelException;
import io.kebridge.models.testing.Networks;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChannelPlanTest {


  private static List<NetworkSpec> networks() {
    return List.of(
        Networks.smallCnn(6),
        Networks.resnet18(6, ArchitectureConfig.Stem.CIFAR, 8),
        Networks.resnet18(5, ArchitectureConfig.Stem.IMAGENET, 64),
        Networks.vgg11(5),
        Networks.flattenMlp(),
        Networks.resnet50(4, ArchitectureConfig.Stem.CIFAR, 8));
  }

  @Test
  void kelsKeepsTheFirstChannelsOfEveryLayerInPlainNetworks() {
    // without concatenations or groups, KELS is the reference's rule layer by layer: the first
    // ceil(s*c) channels of every layer output, all input channels and all classes
    for (double rate : new double[] {0.5, 0.3, 0.75, 1.0}) {
      KelsPlan kels = new KelsPlan(rate);
      for (NetworkSpec spec : networks()) {
        ChannelPlan plan = kels.channels(spec);
        String what = spec.architecture() + " at " + rate;
        for (Layer layer : spec.layers()) {
          int expected = expectedWidth(spec, kels, layer);
          int[] kept = plan.keptOutput(layer.name());
          assertArrayEquals(ChannelPlan.range(expected), kept, what + ": " + layer.name());
        }
        assertEquals(kels.masks(spec), plan.masks(), what);
        assertEquals(kels.slimSpec(spec), plan.slimSpec(), what);
      }
    }
  }

  /** The reference's per-layer rule, computed independently of the channel groups. */
  private static int expectedWidth(NetworkSpec spec, KelsPlan kels, Layer layer) {
    if (layer instanceof Layer.Input || layer.name().equals(spec.output())) {
      return spec.shapeOf(layer.name()).channels();
    }
    if (layer instanceof Layer.Flatten f) {
      ActivationShape x = spec.shapeOf(f.input());
      return expectedWidth(spec, kels, spec.layer(f.input())) * x.height() * x.width();
    }
    return kels.fitWidth(spec.shapeOf(layer.name()).channels());
  }

  @Test
  void kelsKeepsAPrefixOfEveryPrunableGroup() {
    NetworkSpec spec = Networks.resnet18(6, ArchitectureConfig.Stem.CIFAR, 8);
    ChannelPlan plan = new KelsPlan(0.5).channels(spec);
    assertArrayEquals(new int[] {0, 1, 2}, plan.kept("conv1"));
    assertArrayEquals(new int[] {0, 1, 2}, plan.keptOutput("input"));
    assertEquals(7, plan.kept("fc").length);
    assertTrue(plan.describe().contains("keeps    3 of    6: 0-2"), plan.describe());
  }

  @Test
  void acceptsAnyNonEmptySetOfChannels() {
    NetworkSpec spec = Networks.flattenMlp();
    ChannelPlan plan = ChannelPlan.keepAll(ChannelGroups.of(spec)).withKept("conv2", 4, 1);
    assertArrayEquals(new int[] {1, 4}, plan.kept("conv2"));
    assertArrayEquals(new int[] {9, 10, 11, 12, 13, 14, 15, 16, 17, 36, 37, 38, 39, 40, 41, 42,
        43, 44}, plan.keptOutput("flatten"));
    NetworkSpec slim = plan.slimSpec();
    assertEquals(new Layer.Dense("hidden", "flatten", 18, 10, true), slim.layer("hidden"));
    assertEquals(2, ((Layer.Conv2d) slim.layer("conv2")).outChannels());
    assertTrue(plan.describe().contains("1, 4"), plan.describe());
  }

  @Test
  void refusesAGroupThatWouldKeepNoChannel() {
    ChannelPlan plan = ChannelPlan.keepAll(ChannelGroups.of(Networks.smallCnn(4)));
    ModelException e = assertThrows(ModelException.class, () -> plan.withKept("conv2"));
    assertEquals("channel group conv2 would keep no channel; keep at least one of its 8 channels",
        e.getMessage());
  }

  @Test
  void refusesChannelsOutOfRangeOrListedTwice() {
    ChannelPlan plan = ChannelPlan.keepAll(ChannelGroups.of(Networks.smallCnn(4)));
    assertTrue(assertThrows(ModelException.class, () -> plan.withKept("conv1", 0, 4))
        .getMessage().contains("has 4 channels, cannot keep channel 4"));
    assertTrue(assertThrows(ModelException.class, () -> plan.withKept("conv1", 2, 2))
        .getMessage().contains("channel 2 is listed twice"));
    assertTrue(assertThrows(ModelException.class, () -> plan.withKept("conv9", 0))
        .getMessage().contains("no channel group 'conv9'"));
  }

  @Test
  void refusesToDropInputChannelsOrClasses() {
    ChannelPlan plan = ChannelPlan.keepAll(ChannelGroups.of(Networks.vgg11(4)));
    assertTrue(assertThrows(ModelException.class, () -> plan.withKept("input", 0, 1))
        .getMessage().contains("is the network input and keeps all 3 channels"));
    assertTrue(assertThrows(ModelException.class, () -> plan.withKept("classifier", 0, 1))
        .getMessage().contains("is the network output and keeps all 6 channels"));
  }

  @Test
  void magnitudeSelectionKeepsTheFiltersWithTheLargestNorm() {
    NetworkSpec spec = Networks.smallCnn(4);
    Weights w = WeightInit.randomized(spec, 3);
    float[] conv1 = w.get("conv1.weight").data().clone(); // [4, 1, 3, 3]
    java.util.Arrays.fill(conv1, 0.01f);
    java.util.Arrays.fill(conv1, 27, 36, 5f); // channel 3 largest
    java.util.Arrays.fill(conv1, 9, 18, 2f); // channel 1 second
    w = w.with(new io.kebridge.models.weights.Tensor("conv1.weight", new int[] {4, 1, 3, 3},
        conv1));
    ChannelPlan plan = ChannelSelection.largestMagnitude(ChannelGroups.of(spec), w, 0.5);
    assertArrayEquals(new int[] {1, 3}, plan.kept("conv1"));
    assertEquals(new KelsPlan(0.5).slimSpec(spec), plan.slimSpec());
  }

  @Test
  void aLayerReadingAConcatenationKeepsTheFirstChannelsOfEveryChunk() {
    // the reference's example: DenseNet-121 at s = 0.5
    NetworkSpec spec = Architectures.build("densenet121",
        ArchitectureConfig.of(new ActivationShape(3, 224, 224), 100));
    ChannelPlan plan = new KelsPlan(0.5).channels(spec);
    Map<String, Mask> masks = plan.masks();
    Mask first = masks.get("features.denseblock1.denselayer1.conv1.weight");
    assertArrayEquals(new int[] {128, 64, 1, 1}, first.shape());
    assertEquals(2048, first.fitCount());
    Mask second = masks.get("features.denseblock1.denselayer2.conv1.weight");
    assertArrayEquals(new int[] {128, 96, 1, 1}, second.shape());
    assertEquals(64 * (32 + 16), second.fitCount());
    int[] in = plan.keptOutput("features.denseblock1.denselayer2.norm1");
    assertArrayEquals(java.util.stream.IntStream.concat(java.util.stream.IntStream.range(0, 32),
        java.util.stream.IntStream.range(64, 80)).toArray(), in);
    // the batch-norm reading the concatenation is sliced the same way
    assertArrayEquals(in, plan.keptIndices("features.denseblock1.denselayer2.norm1.weight")[0]);
  }

  @Test
  void theSlimDenseNetIsTheDenseNetAtHalfTheGrowthAndInitialWidth() {
    ActivationShape in = new ActivationShape(3, 64, 64);
    for (String arch : List.of("densenet121", "densenet169")) {
      NetworkSpec dense = Architectures.build(arch, ArchitectureConfig.of(in, 10));
      NetworkSpec half = Architectures.build(arch,
          new ArchitectureConfig(in, 10, 16, ArchitectureConfig.Stem.AUTO));
      assertEquals(half.withArchitecture(arch + "-slim"), new KelsPlan(0.5).slimSpec(dense),
          arch);
    }
  }

  @Test
  void depthwiseConvolutionsKeepTheChannelsTheirInputKeeps() {
    NetworkSpec spec = Networks.mobilenetV2(16, ArchitectureConfig.Stem.CIFAR, 16);
    NetworkSpec slim = new KelsPlan(0.5).slimSpec(spec);
    Layer.Conv2d dw = (Layer.Conv2d) slim.layer("features.2.conv.1.0");
    Layer.Conv2d expand = (Layer.Conv2d) slim.layer("features.2.conv.0.0");
    assertEquals(expand.outChannels(), dw.inChannels());
    assertEquals(dw.inChannels(), dw.groups());
    assertEquals(dw.inChannels(), dw.outChannels());
    assertTrue(dw.depthwise());
  }

  @Test
  void groupedConvolutionsKeepTheirGroupCountAndTheSameChannelsInEveryGroup() {
    NetworkSpec spec = Networks.mixed();
    ChannelPlan plan = new KelsPlan(0.5).channels(spec);
    assertArrayEquals(new int[] {0, 1, 4, 5, 8, 9}, plan.keptOutput("ab"));
    assertArrayEquals(new int[] {0, 2, 4}, plan.kept("grouped"));
    int[][] k = plan.keptIndices("grouped.weight");
    assertArrayEquals(new int[] {0, 2, 4}, k[0]);
    assertArrayEquals(new int[] {0, 1}, k[1]); // within each group of 4 input channels
    Layer.Conv2d slim = (Layer.Conv2d) plan.slimSpec().layer("grouped");
    assertEquals(new Layer.Conv2d("grouped", "ab", 6, 3, 3, 1, 1, 3, false), slim);
    assertNull(plan.keptIndices("dw.weight")[1]);
    assertArrayEquals(new int[] {0, 1, 4, 5, 8, 9}, plan.keptIndices("dw.weight")[0]);
  }

  @Test
  void refusesChunksThatKeepDifferentChannels() {
    ChannelPlan plan = ChannelPlan.keepAll(ChannelGroups.of(Networks.mixed()));
    ModelException e = assertThrows(ModelException.class, () -> plan.withKept("b", 0, 1, 4));
    assertTrue(e.getMessage().contains("chunk 0 keeps 0-1, chunk 1 keeps 0"), e.getMessage());
  }

  @Test
  void aCutThroughLocalResponseNormalisationIsRefusedNamingTheLayerButMasksAreDrawn() {
    NetworkSpec spec = Networks.foreign();
    KelsPlan kels = new KelsPlan(0.5);
    ChannelPlan plan = kels.channels(spec);
    assertTrue(plan.slimProblem().isPresent());
    assertTrue(plan.slimProblem().get().startsWith("norm1 "), plan.slimProblem().get());
    assertTrue(plan.slimProblem().get().contains("group conv1, which keeps 4 of its 8"),
        plan.slimProblem().get());
    ModelException e = assertThrows(ModelException.class, plan::slimSpec);
    assertTrue(e.getMessage().contains("norm1"), e.getMessage());
    assertTrue(kels.hasSlimNetwork() && !kels.hasSlimNetwork(spec));
    // KE still trains it: the masks are those of any pass-through layer
    Map<String, Mask> masks = kels.masks(spec);
    // conv2 is [6, 8, 1, 1]: the first 3 of its 6 filters on the first 4 of its 8 inputs
    assertEquals(3 * 4, masks.get("conv2.weight").fitCount());
    assertEquals(List.of("norm1", "norm2"), ChannelGroups.of(spec).channelMixers());
  }

  @Test
  void localResponseNormalisationOfChannelsThatAreAllKeptDoesNotStopTheCut() {
    NetworkSpec spec = new NetworkSpec("lrn-on-input", List.of(
        new Layer.Input("input", new ActivationShape(3, 6, 6)),
        new Layer.Lrn("norm", "input", 3, 1e-4, 0.75, 1),
        new Layer.Conv2d("conv", "norm", 3, 8, 3, 1, 1, true),
        new Layer.GlobalAvgPool("gap", "conv"),
        new Layer.Dense("fc", "gap", 8, 2, true)), "fc");
    KelsPlan kels = new KelsPlan(0.5);
    assertTrue(kels.hasSlimNetwork(spec));
    assertEquals(4, ((Layer.Conv2d) kels.slimSpec(spec).layer("conv")).outChannels());
  }
}
