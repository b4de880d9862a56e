package io.kebridge.training.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kebridge.models.ModelException;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.testing.Networks;
import io.kebridge.models.testing.ReferenceForward;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TfForwardTest {

  static float[][] images(ActivationShape s, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] im = new float[n][(int) s.elements()];
    for (float[] x : im) {
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (r.nextDouble() * 4 - 2);
      }
    }
    return im;
  }

  private static void assertMatchesReference(NetworkSpec spec, long seed) {
    Weights w = WeightInit.randomized(spec, seed);
    float[][] x = images(spec.input().shape(), 3, seed);
    try (TfForward f = TfForward.open(spec, w)) {
      float[][] got = f.logits(x);
      for (int i = 0; i < x.length; i++) {
        float[] want = ReferenceForward.logits(spec, w, x[i]);
        float scale = 1e-4f;
        for (float v : want) {
          scale = Math.max(scale, Math.abs(v));
        }
        assertArrayEquals(want, got[i], 1e-4f * scale, spec.architecture() + " image " + i);
      }
    }
  }

  @Test
  void smallCnnMatchesThePlainJavaReference() {
    assertMatchesReference(
        Architectures.build(
            "small-cnn",
            new ArchitectureConfig(new ActivationShape(1, 12, 12), 5, 4, null)),
        1);
  }

  @Test
  void resnet18WithCifarStemMatchesThePlainJavaReference() {
    assertMatchesReference(
        Architectures.build(
            "resnet18",
            new ArchitectureConfig(
                new ActivationShape(3, 12, 12), 4, 4, ArchitectureConfig.Stem.CIFAR)),
        2);
  }

  @Test
  void resnet18WithImagenetStemMatchesThePlainJavaReference() {
    // 7x7/2 conv with padding 3 and 3x3/2 max-pool with padding 1: the asymmetric-SAME traps.
    assertMatchesReference(
        Architectures.build(
            "resnet18",
            new ArchitectureConfig(
                new ActivationShape(3, 30, 30), 4, 4, ArchitectureConfig.Stem.IMAGENET)),
        3);
  }

  @Test
  void vgg11BnMatchesThePlainJavaReference() {
    assertMatchesReference(
        Architectures.build(
            "vgg11-bn", new ArchitectureConfig(new ActivationShape(3, 16, 16), 3, 4, null)),
        4);
  }

  @Test
  void everyLayerTypeMatchesThePlainJavaReference() {
    // grouped conv over a concatenation, depthwise with multiplier 2, both average poolings,
    // ReLU6, dropout (identity at inference), concatenated vectors
    assertMatchesReference(Networks.mixed(), 5);
  }

  @Test
  void lrnPaddingBySideAndCeilModePoolingMatchThePlainJavaReference() {
    assertMatchesReference(Networks.foreign(), 9);
  }

  @Test
  void resnet50MatchesThePlainJavaReference() {
    assertMatchesReference(Networks.resnet50(4, ArchitectureConfig.Stem.IMAGENET, 32), 6);
  }

  @Test
  void densenet121MatchesThePlainJavaReference() {
    assertMatchesReference(Networks.densenet121(4, ArchitectureConfig.Stem.IMAGENET, 32), 7);
  }

  @Test
  void mobilenetV2MatchesThePlainJavaReference() {
    assertMatchesReference(Networks.mobilenetV2(8, ArchitectureConfig.Stem.IMAGENET, 32), 8);
  }

  @Test
  void flattenIsChannelMajorAndDenseWeightIsOutByIn() {
    // Input 2x1x2 (C, H, W) = [[a, b], [c, d]] flattens to [a, b, c, d] (NCHW order).
    NetworkSpec spec =
        new NetworkSpec(
            "tiny",
            List.of(
                new Layer.Input("input", new ActivationShape(2, 1, 2)),
                new Layer.Flatten("flatten", "input"),
                new Layer.Dense("fc", "flatten", 4, 2, true)),
            "fc");
    Weights w =
        Weights.of(
            List.of(
                new Tensor("fc.weight", new int[] {2, 4}, new float[] {1, 10, 100, 1000, 0, 0, 0, 1}),
                new Tensor("fc.bias", new int[] {2}, new float[] {0.5f, -1})));
    try (TfForward f = TfForward.open(spec, w)) {
      float[][] y = f.logits(new float[][] {{1, 2, 3, 4}});
      assertArrayEquals(new float[] {1 + 20 + 300 + 4000 + 0.5f, 4 - 1}, y[0], 1e-3f);
    }
  }

  @Test
  void maxPoolPaddingNeverWinsOverNegativeValues() {
    NetworkSpec spec =
        new NetworkSpec(
            "pool",
            List.of(
                new Layer.Input("input", new ActivationShape(1, 2, 2)),
                new Layer.MaxPool("pool", "input", 3, 2, 1),
                new Layer.Flatten("flatten", "pool"),
                new Layer.Dense("fc", "flatten", 1, 2, false)),
            "fc");
    Weights w =
        Weights.of(List.of(new Tensor("fc.weight", new int[] {2, 1}, new float[] {1, 2})));
    try (TfForward f = TfForward.open(spec, w)) {
      float[][] y = f.logits(new float[][] {{-5, -3, -4, -7}});
      assertArrayEquals(new float[] {-3, -6}, y[0], 1e-6f);
    }
  }

  @Test
  void logitsDoNotDependOnBatchComposition() {
    NetworkSpec spec =
        Architectures.build(
            "small-cnn", new ArchitectureConfig(new ActivationShape(1, 8, 8), 10, 4, null));
    Weights w = WeightInit.randomized(spec, 7);
    float[][] x = images(spec.input().shape(), 300, 9);
    try (TfForward f = TfForward.open(spec, w)) {
      float[][] all = f.logits(x);
      assertEquals(300, all.length);
      for (int i : new int[] {0, 17, 299}) {
        assertArrayEquals(all[i], f.logits(new float[][] {x[i]})[0], 1e-5f);
      }
    }
  }

  @Test
  void weightsForAnotherNetworkAreRefusedWithTheMismatch() {
    NetworkSpec a =
        Architectures.build(
            "small-cnn", new ArchitectureConfig(new ActivationShape(1, 8, 8), 10, 4, null));
    NetworkSpec b =
        Architectures.build(
            "small-cnn", new ArchitectureConfig(new ActivationShape(1, 8, 8), 10, 8, null));
    ModelException e =
        assertThrows(ModelException.class, () -> TfForward.open(a, WeightInit.heNormal(b, 1)));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("conv1.weight"));
  }

  @Test
  void closedForwardRefusesWork() {
    NetworkSpec spec =
        Architectures.build(
            "small-cnn", new ArchitectureConfig(new ActivationShape(1, 8, 8), 10, 4, null));
    TfForward f = TfForward.open(spec, WeightInit.heNormal(spec, 1));
    f.close();
    assertThrows(IllegalStateException.class, () -> f.logits(images(spec.input().shape(), 1, 1)));
  }
}
