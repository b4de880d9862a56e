package io.kebridge.models.testing;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.Padding;
import java.util.List;
import java.util.SplittableRandom;

/** Tiny networks and inputs for tests of every module: every architecture at a few channels. */
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

  /**
   * What networks from other stacks bring (the layers and options the ONNX importer maps):
   * AlexNet-style local response normalisation, padding that differs by side (TensorFlow's SAME
   * with a stride), ceil-mode max and average pooling (SqueezeNet, GoogLeNet) with both divisors,
   * a batch-norm standing for a per-channel affine, two heads on one concatenation.
   */
  public static NetworkSpec foreign() {
    return new NetworkSpec("foreign", List.of(
        new Layer.Input("input", new ActivationShape(3, 16, 16)),
        new Layer.BatchNorm("affine", "input", 3, 1e-5, 0.1),
        new Layer.Conv2d("conv1", "affine", 3, 8, 3, 2, new Padding(0, 0, 1, 1), 1, true),
        new Layer.Relu("relu1", "conv1"),
        new Layer.Lrn("norm1", "relu1", 5, 1e-2, 0.75, 1.0),
        new Layer.MaxPool("pool1", "norm1", 3, 2, Padding.NONE, true),
        new Layer.Conv2d("conv2", "pool1", 8, 6, 1, 1, 0, false),
        new Layer.AvgPool("pool2a", "conv2", 2, 2, new Padding(1, 1, 0, 0), true, true),
        new Layer.AvgPool("pool2b", "conv2", 3, 2, Padding.of(1), false, true),
        new Layer.Concat("cat", List.of("pool2a", "pool2b")),
        new Layer.Lrn("norm2", "cat", 3, 0.5, 0.75, 2.0),
        new Layer.GlobalAvgPool("gap", "norm2"),
        new Layer.Dense("fc", "gap", 12, 4, true)), "fc");
  }

  /** ResNet-50 with bottleneck blocks at a few channels. */
  public static NetworkSpec resnet50(int width, ArchitectureConfig.Stem stem, int size) {
    return Architectures.build("resnet50", new ArchitectureConfig(
        new ActivationShape(3, size, size), 5, width, stem));
  }

  /** DenseNet-121 with growth rate {@code growth} (its dense connectivity and transitions). */
  public static NetworkSpec densenet121(int growth, ArchitectureConfig.Stem stem, int size) {
    return Architectures.build("densenet121", new ArchitectureConfig(
        new ActivationShape(3, size, size), 6, growth, stem));
  }

  /** DenseNet-169 with growth rate {@code growth}. */
  public static NetworkSpec densenet169(int growth, ArchitectureConfig.Stem stem, int size) {
    return Architectures.build("densenet169", new ArchitectureConfig(
        new ActivationShape(3, size, size), 6, growth, stem));
  }

  /** MobileNetV2 at stem width {@code width} (depthwise convs, ReLU6, dropout). */
  public static NetworkSpec mobilenetV2(int width, ArchitectureConfig.Stem stem, int size) {
    return Architectures.build("mobilenet-v2", new ArchitectureConfig(
        new ActivationShape(3, size, size), 4, width, stem));
  }

  /**
   * Every layer type in a few channels: a grouped conv reading a concatenation, a depthwise conv
   * with channel multiplier 2, average pooling with and without the padding in its divisor, ReLU6,
   * dropout, a residual add of two concatenations, a concat of feature vectors and a flatten of a
   * concatenated map.
   */
  public static NetworkSpec mixed() {
    return new NetworkSpec("mixed", List.of(
        new Layer.Input("input", new ActivationShape(3, 8, 8)),
        new Layer.Conv2d("a", "input", 3, 4, 3, 1, 1, false),
        new Layer.BatchNorm("a.bn", "a", 4, 1e-5, 0.1),
        new Layer.Relu6("a.act", "a.bn"),
        new Layer.Conv2d("b", "input", 3, 8, 1, 1, 0, true),
        new Layer.Concat("ab", List.of("a.act", "b")),
        new Layer.Conv2d("grouped", "ab", 12, 6, 3, 1, 1, 3, false),
        new Layer.BatchNorm("grouped.bn", "grouped", 6, 1e-5, 0.1),
        new Layer.Relu("grouped.act", "grouped.bn"),
        new Layer.Conv2d("dw", "grouped.act", 6, 12, 3, 2, 1, 6, true),
        new Layer.BatchNorm("dw.bn", "dw", 12, 1e-5, 0.1),
        new Layer.AvgPool("pool.in", "ab", 3, 2, 1, true),
        new Layer.AvgPool("pool.ex", "ab", 3, 2, 1, false),
        new Layer.Concat("pools", List.of("pool.in", "pool.ex")),
        new Layer.Conv2d("proj", "pools", 24, 4, 1, 1, 0, false),
        new Layer.Concat("left", List.of("dw.bn", "proj")),
        new Layer.Conv2d("c0", "input", 3, 6, 3, 2, 1, false),
        new Layer.Conv2d("c", "c0", 6, 12, 3, 1, 1, 6, false),
        new Layer.Conv2d("d", "input", 3, 4, 1, 2, 0, false),
        new Layer.Concat("right", List.of("c", "d")),
        new Layer.Add("sum", List.of("left", "right")),
        new Layer.Relu6("sum.act", "sum"),
        new Layer.MaxPool("max", "sum.act", 2, 2, 0),
        new Layer.Flatten("flat", "max"),
        new Layer.Dropout("drop", "flat", 0.3),
        new Layer.Dense("hidden", "drop", 64, 6, true),
        new Layer.GlobalAvgPool("gap", "sum.act"),
        new Layer.Flatten("gap.flat", "gap"),
        new Layer.Concat("features", List.of("hidden", "gap.flat")),
        new Layer.Relu("features.act", "features"),
        new Layer.Dense("fc", "features.act", 22, 5, true)), "fc");
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
