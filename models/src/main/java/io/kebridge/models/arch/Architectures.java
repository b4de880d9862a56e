package io.kebridge.models.arch;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.NetworkSpec;
import java.util.List;
import java.util.Locale;

/**
 * The built-in architectures, by name: {@code small-cnn}, {@code resnet18}/{@code 34}/{@code
 * 50}/{@code 101}, {@code densenet121}/{@code 161}/{@code 169}/{@code 201}, {@code mobilenet-v2}
 * and {@code vgg11-bn}. Layer names follow torchvision ({@code conv1}, {@code
 * layer2.0.downsample.0}, {@code features.denseblock1.denselayer1.conv1}, {@code fc}) so that users
 * recognise them and weights map one to one.
 */
public final class Architectures {
  /** Names accepted by {@link #build}. */
  public static final List<String> NAMES = List.of("small-cnn", "resnet18", "resnet34",
      "resnet50", "resnet101", "densenet121", "densenet161", "densenet169", "densenet201",
      "mobilenet-v2", "vgg11-bn");

  private Architectures() {}

  /** Builds the named architecture. */
  public static NetworkSpec build(String name, ArchitectureConfig config) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "small-cnn" -> smallCnn(config);
      case "resnet18" -> resnet("resnet18", new int[] {2, 2, 2, 2}, false, config);
      case "resnet34" -> resnet("resnet34", new int[] {3, 4, 6, 3}, false, config);
      case "resnet50" -> resnet("resnet50", new int[] {3, 4, 6, 3}, true, config);
      case "resnet101" -> resnet("resnet101", new int[] {3, 4, 23, 3}, true, config);
      case "densenet121" -> densenet("densenet121", new int[] {6, 12, 24, 16}, 32, config);
      case "densenet161" -> densenet("densenet161", new int[] {6, 12, 36, 24}, 48, config);
      case "densenet169" -> densenet("densenet169", new int[] {6, 12, 32, 32}, 32, config);
      case "densenet201" -> densenet("densenet201", new int[] {6, 12, 48, 32}, 32, config);
      case "mobilenet-v2" -> mobilenetV2(config);
      case "vgg11-bn" -> vgg11Bn(config);
      default ->
          throw new ModelException(
              "unknown architecture '" + name + "', expected one of " + String.join(", ", NAMES));
    };
  }

  /**
   * Three conv-bn-relu stages (width, 2x, 4x; default width 16), max-pool after the first two, then
   * global average pooling and the classifier. Small enough to train in seconds on 2 cores.
   */
  public static NetworkSpec smallCnn(ArchitectureConfig c) {
    int w = c.widthOr(16);
    SpecBuilder b = new SpecBuilder("small-cnn");
    String x = b.input("input", c.input());
    int[] widths = {w, 2 * w, 4 * w};
    for (int i = 0; i < widths.length; i++) {
      int n = i + 1;
      x = b.conv("conv" + n, x, widths[i], 3, 1, 1);
      x = b.batchNorm("bn" + n, x);
      x = b.relu("relu" + n, x);
      if (i < 2 && b.shape(x).height() >= 2 && b.shape(x).width() >= 2) {
        x = b.maxPool("pool" + n, x, 2, 2, 0);
      }
    }
    x = b.globalAvgPool("avgpool", x);
    x = b.flatten("flatten", x);
    return b.build(b.dense("fc", x, c.classes()));
  }

  /**
   * ResNet (default width 64) with {@code blocks} per stage: BasicBlocks, or with {@code
   * bottleneck} the 1x1-3x3-1x1 blocks of ResNet-50/101 (expansion 4, stride on the 3x3 conv as
   * torchvision's "v1.5").
   */
  public static NetworkSpec resnet(
      String label, int[] blocks, boolean bottleneck, ArchitectureConfig c) {
    int w = c.widthOr(64);
    ArchitectureConfig.Stem stem = c.resolvedStem();
    SpecBuilder b = new SpecBuilder(label);
    String x = b.input("input", c.input());
    if (stem == ArchitectureConfig.Stem.IMAGENET) {
      x = b.conv("conv1", x, w, 7, 2, 3);
      x = b.batchNorm("bn1", x);
      x = b.relu("relu", x);
      x = b.maxPool("maxpool", x, 3, 2, 1);
    } else {
      x = b.conv("conv1", x, w, 3, 1, 1);
      x = b.batchNorm("bn1", x);
      x = b.relu("relu", x);
    }
    for (int stage = 0; stage < blocks.length; stage++) {
      int width = w << stage;
      for (int block = 0; block < blocks[stage]; block++) {
        int stride = stage > 0 && block == 0 ? 2 : 1;
        String p = "layer" + (stage + 1) + "." + block;
        x = bottleneck
            ? bottleneckBlock(b, p, x, width, stride)
            : basicBlock(b, p, x, width, stride);
      }
    }
    x = b.globalAvgPool("avgpool", x);
    x = b.flatten("flatten", x);
    return b.build(b.dense("fc", x, c.classes()));
  }

  private static String basicBlock(SpecBuilder b, String p, String in, int width, int stride) {
    String x = b.conv(p + ".conv1", in, width, 3, stride, 1);
    x = b.batchNorm(p + ".bn1", x);
    x = b.relu(p + ".relu1", x);
    x = b.conv(p + ".conv2", x, width, 3, 1, 1);
    x = b.batchNorm(p + ".bn2", x);
    x = b.add(p + ".add", x, shortcut(b, p, in, width, stride));
    return b.relu(p + ".relu2", x);
  }

  private static String bottleneckBlock(
      SpecBuilder b, String p, String in, int width, int stride) {
    int out = 4 * width;
    String x = b.conv(p + ".conv1", in, width, 1, 1, 0);
    x = b.batchNorm(p + ".bn1", x);
    x = b.relu(p + ".relu1", x);
    x = b.conv(p + ".conv2", x, width, 3, stride, 1);
    x = b.batchNorm(p + ".bn2", x);
    x = b.relu(p + ".relu2", x);
    x = b.conv(p + ".conv3", x, out, 1, 1, 0);
    x = b.batchNorm(p + ".bn3", x);
    x = b.add(p + ".add", x, shortcut(b, p, in, out, stride));
    return b.relu(p + ".relu3", x);
  }

  /**
   * A residual block's skip path: its input as it is, or, where the block changes the resolution
   * or the channel count, torchvision's 1x1 {@code downsample} conv with its batch-norm.
   */
  private static String shortcut(SpecBuilder b, String p, String in, int out, int stride) {
    if (stride == 1 && b.shape(in).channels() == out) {
      return in;
    }
    String skip = b.conv(p + ".downsample.0", in, out, 1, stride, 0);
    return b.batchNorm(p + ".downsample.1", skip);
  }

  /**
   * DenseNet-BC (Huang et al.; torchvision's layout and names): growth rate {@code k} (the width;
   * default 32, 48 for DenseNet-161), initial width {@code 2k}, bottleneck size 4 and compression
   * 0.5. A dense layer is pre-activation {@code BN-ReLU-conv1x1(4k)-BN-ReLU-conv3x3(k)} reading the
   * concatenation of the block input and every earlier layer's output; a transition is {@code
   * BN-ReLU-conv1x1(C/2)-avgpool 2x2}. The small-image stem is a 3x3 conv without max-pool; a
   * transition's pooling that would shrink the map below 1x1 is left out.
   */
  public static NetworkSpec densenet(
      String label, int[] blocks, int defaultGrowth, ArchitectureConfig c) {
    int growth = c.widthOr(defaultGrowth);
    SpecBuilder b = new SpecBuilder(label);
    String x = b.input("input", c.input());
    if (c.resolvedStem() == ArchitectureConfig.Stem.IMAGENET) {
      x = b.conv("features.conv0", x, 2 * growth, 7, 2, 3);
      x = b.batchNorm("features.norm0", x);
      x = b.relu("features.relu0", x);
      x = b.maxPool("features.pool0", x, 3, 2, 1);
    } else {
      x = b.conv("features.conv0", x, 2 * growth, 3, 1, 1);
      x = b.batchNorm("features.norm0", x);
      x = b.relu("features.relu0", x);
    }
    for (int block = 0; block < blocks.length; block++) {
      String p = "features.denseblock" + (block + 1);
      String in = x;
      for (int layer = 1; layer <= blocks[block]; layer++) {
        String q = p + ".denselayer" + layer;
        String y = b.batchNorm(q + ".norm1", in);
        y = b.relu(q + ".relu1", y);
        y = b.conv(q + ".conv1", y, 4 * growth, 1, 1, 0);
        y = b.batchNorm(q + ".norm2", y);
        y = b.relu(q + ".relu2", y);
        y = b.conv(q + ".conv2", y, growth, 3, 1, 1);
        in = b.concat(layer == blocks[block] ? p + ".concat" : p + ".denselayer" + (layer + 1)
            + ".concat", in, y);
      }
      x = in;
      if (block < blocks.length - 1) {
        String t = "features.transition" + (block + 1);
        x = b.batchNorm(t + ".norm", x);
        x = b.relu(t + ".relu", x);
        x = b.conv(t + ".conv", x, b.shape(x).channels() / 2, 1, 1, 0);
        if (b.shape(x).height() >= 2 && b.shape(x).width() >= 2) {
          x = b.avgPool(t + ".pool", x, 2, 2, 0);
        }
      }
    }
    x = b.batchNorm("features.norm5", x);
    // the reference (as torchvision) applies this ReLU as F.relu: its profiler does not count it
    x = b.functionalRelu("relu", x);
    x = b.globalAvgPool("avgpool", x);
    x = b.flatten("flatten", x);
    return b.build(b.dense("classifier", x, c.classes()));
  }

  /**
   * MobileNetV2 (Sandler et al.; torchvision's layout and names): inverted residual blocks of
   * {@code 1x1 expand - 3x3 depthwise - 1x1 project} with ReLU6, a residual add where the shape
   * is kept, and dropout 0.2 before the classifier. The width is the stem's channel count (default
   * 32): it sets the width multiplier {@code width/32}, and every channel count is rounded to a
   * multiple of 8 as torchvision does (the last conv keeps 1280 channels below multiplier 1). The
   * small-image stem (CIFAR variant) runs the first conv and the first 24-channel stage at stride
   * 1.
   */
  public static NetworkSpec mobilenetV2(ArchitectureConfig c) {
    double alpha = c.widthOr(32) / 32.0;
    boolean small = c.resolvedStem() == ArchitectureConfig.Stem.CIFAR;
    int[][] settings = { // expansion t, channels c, repeats n, stride s
      {1, 16, 1, 1}, {6, 24, 2, small ? 1 : 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1},
      {6, 160, 3, 2}, {6, 320, 1, 1}
    };
    SpecBuilder b = new SpecBuilder("mobilenet-v2");
    String x = b.input("input", c.input());
    x = convBnRelu6(b, "features.0", x, divisible(32 * alpha), 3, small ? 1 : 2, 1);
    int index = 1;
    for (int[] s : settings) {
      int out = divisible(s[1] * alpha);
      for (int i = 0; i < s[2]; i++) {
        x = invertedResidual(b, "features." + index++, x, out, i == 0 ? s[3] : 1, s[0]);
      }
    }
    x = convBnRelu6(b, "features." + index, x, divisible(1280 * Math.max(1.0, alpha)), 1, 1, 1);
    x = b.globalAvgPool("avgpool", x);
    x = b.flatten("flatten", x);
    x = b.dropout("classifier.0", x, 0.2);
    return b.build(b.dense("classifier.1", x, c.classes()));
  }

  private static String convBnRelu6(
      SpecBuilder b, String p, String in, int out, int kernel, int stride, int groups) {
    String x = b.conv(p + ".0", in, out, kernel, stride, (kernel - 1) / 2, groups);
    x = b.batchNorm(p + ".1", x);
    return b.relu6(p + ".2", x);
  }

  private static String invertedResidual(
      SpecBuilder b, String p, String in, int out, int stride, int expansion) {
    int inChannels = b.shape(in).channels();
    int hidden = (int) Math.round((double) inChannels * expansion);
    String x = in;
    int part = 0;
    if (expansion != 1) {
      x = convBnRelu6(b, p + ".conv." + part++, x, hidden, 1, 1, 1);
    }
    x = convBnRelu6(b, p + ".conv." + part++, x, hidden, 3, stride, hidden);
    x = b.conv(p + ".conv." + part++, x, out, 1, 1, 0);
    x = b.batchNorm(p + ".conv." + part, x);
    return stride == 1 && inChannels == out ? b.add(p + ".add", x, in) : x;
  }

  /** torchvision's {@code _make_divisible(v, 8)}: the nearest multiple of 8, at least 8 and 90%. */
  static int divisible(double v) {
    int d = 8;
    int n = Math.max(d, (int) (v + d / 2.0) / d * d);
    return n < 0.9 * v ? n + d : n;
  }

  /**
   * VGG-11 with batch-norm (default width 64: 64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512,
   * M), layers numbered as torchvision's {@code features.N}. As the CIFAR variants that KE uses, it
   * ends with global average pooling and one classifier layer; a max-pool that would shrink the map
   * below 1x1 is left out, so the network also accepts 28x28 images.
   */
  public static NetworkSpec vgg11Bn(ArchitectureConfig c) {
    int w = c.widthOr(64);
    int[] cfg = {w, -1, 2 * w, -1, 4 * w, 4 * w, -1, 8 * w, 8 * w, -1, 8 * w, 8 * w, -1};
    SpecBuilder b = new SpecBuilder("vgg11-bn");
    String x = b.input("input", c.input());
    int index = 0;
    for (int v : cfg) {
      if (v < 0) {
        if (b.shape(x).height() >= 2 && b.shape(x).width() >= 2) {
          x = b.maxPool("features." + index, x, 2, 2, 0);
        }
        index++;
      } else {
        x = b.conv("features." + index++, x, v, 3, 1, 1);
        x = b.batchNorm("features." + index++, x);
        x = b.relu("features." + index++, x);
      }
    }
    x = b.globalAvgPool("avgpool", x);
    x = b.flatten("flatten", x);
    return b.build(b.dense("classifier", x, c.classes()));
  }
}
