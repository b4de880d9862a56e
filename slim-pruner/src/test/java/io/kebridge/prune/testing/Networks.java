package io.kebridge.prune.testing;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import java.util.List;
import java.util.SplittableRandom;

/** Tiny networks and inputs for the pruner's tests: every architecture at a few channels. */
public final class Networks {
  private Networks() {}

  public static NetworkSpec smallCnn(int width) {
    return Architectures.build("small-cnn", new ArchitectureConfig(
        new ActivationShape(1, 12, 12), 5, width, ArchitectureConfig.Stem.AUTO));
  }

  public static NetworkSpec resnet18(int width, ArchitectureConfig.Stem stem, int size) {
    return Architectures.build("resnet18", new ArchitectureConfig(
        new ActivationShape(3, size, size), 7, width, stem));
  }

  public static NetworkSpec vgg11(int width) {
    return Architectures.build("vgg11-bn", new ArchitectureConfig(
        new ActivationShape(3, 16, 16), 6, width, ArchitectureConfig.Stem.AUTO));
  }

  /**
   * conv-bn-relu, a biased conv without batch-norm, then flatten straight from a 3x3 map (no
   * global pooling), a hidden dense layer, relu and the classifier: exercises conv biases and
   * flatten's channel-major feature runs.
   */
  public static NetworkSpec flattenMlp() {
    return new NetworkSpec("flatten-mlp", List.of(
        new Layer.Input("input", new ActivationShape(2, 6, 6)),
        new Layer.Conv2d("conv1", "input", 2, 6, 3, 2, 1, true),
        new Layer.BatchNorm("bn1", "conv1", 6, 1e-5, 0.1),
        new Layer.Relu("relu1", "bn1"),
        new Layer.Conv2d("conv2", "relu1", 6, 5, 1, 1, 0, true),
        new Layer.Relu("relu2", "conv2"),
        new Layer.Flatten("flatten", "relu2"),
        new Layer.Dense("hidden", "flatten", 45, 10, true),
        new Layer.Relu("relu3", "hidden"),
        new Layer.Dense("fc", "relu3", 10, 4, true)), "fc");
  }

  /** {@code n} random images of the network's input shape, roughly standard-normal. */
  public static float[][] images(NetworkSpec spec, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] out = new float[n][(int) spec.input().shape().elements()];
    for (float[] im : out) {
      for (int i = 0; i < im.length; i++) {
        im[i] = (float) (r.nextDouble() * 3.4 - 1.7);
      }
    }
    return out;
  }

  /** Largest absolute difference between two logit batches, relative to the larger logit scale. */
  public static double relativeMaxDiff(float[][] a, float[][] b) {
    double diff = 0;
    double scale = 0;
    for (int n = 0; n < a.length; n++) {
      for (int i = 0; i < a[n].length; i++) {
        diff = Math.max(diff, Math.abs(a[n][i] - b[n][i]));
        scale = Math.max(scale, Math.max(Math.abs(a[n][i]), Math.abs(b[n][i])));
      }
    }
    return diff / Math.max(scale, 1e-12);
  }
}
