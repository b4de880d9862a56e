package io.kebridge.models.arch;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.NetworkSpec;
import java.util.List;
import java.util.Locale;

/**
 * The built-in architectures, by name: {@code small-cnn}, {@code resnet18}, {@code resnet34},
 * {@code vgg11-bn}. Layer names follow torchvision ({@code conv1}, {@code layer2.0.downsample.0},
 * {@code fc}) so that users recognise them and weights map one to one.
 */
public final class Architectures {
  /** Names accepted by {@link #build}. */
  public static final List<String> NAMES = List.of("small-cnn", "resnet18", "resnet34", "vgg11-bn");

  private Architectures() {}

  /** Builds the named architecture. */
  public static NetworkSpec build(String name, ArchitectureConfig config) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "small-cnn" -> smallCnn(config);
      case "resnet18" -> resnet("resnet18", new int[] {2, 2, 2, 2}, config);
      case "resnet34" -> resnet("resnet34", new int[] {3, 4, 6, 3}, config);
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

  /** ResNet with BasicBlocks (default width 64); {@code blocks} per stage. */
  public static NetworkSpec resnet(String label, int[] blocks, ArchitectureConfig c) {
    int w = c.widthOr(64);
    ArchitectureConfig.Stem stem = c.stem();
    if (stem == ArchitectureConfig.Stem.AUTO) {
      stem =
          Math.min(c.input().height(), c.input().width()) < 64
              ? ArchitectureConfig.Stem.CIFAR
              : ArchitectureConfig.Stem.IMAGENET;
    }
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
        x = basicBlock(b, "layer" + (stage + 1) + "." + block, x, width, stride);
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
    String skip = in;
    if (stride != 1 || b.shape(in).channels() != width) {
      skip = b.conv(p + ".downsample.0", in, width, 1, stride, 0);
      skip = b.batchNorm(p + ".downsample.1", skip);
    }
    x = b.add(p + ".add", x, skip);
    return b.relu(p + ".relu2", x);
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
