package io.kebridge.models.arch;

import io.kebridge.models.spec.ActivationShape;
import java.util.Objects;

/**
 * What an architecture builder needs: the input shape, the number of classes, the base width (the
 * channel count of the first stage, DenseNet's growth rate, MobileNetV2's stem width; 0 means the
 * architecture's own default) and the stem (ResNet, DenseNet, MobileNetV2).
 */
public record ArchitectureConfig(ActivationShape input, int classes, int width, Stem stem) {
  public ArchitectureConfig {
    Objects.requireNonNull(input, "input");
    if (classes < 2) {
      throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
    }
    if (width < 0) {
      throw new IllegalArgumentException("width must be positive, got " + width);
    }
    stem = stem == null ? Stem.AUTO : stem;
  }

  /** Input shape and classes, default width and stem. */
  public static ArchitectureConfig of(ActivationShape input, int classes) {
    return new ArchitectureConfig(input, classes, 0, Stem.AUTO);
  }

  /** The stem to build: the configured one, with {@code AUTO} resolved by the input size. */
  public Stem resolvedStem() {
    if (stem != Stem.AUTO) {
      return stem;
    }
    return Math.min(input.height(), input.width()) < 64 ? Stem.CIFAR : Stem.IMAGENET;
  }

  /** The width to use: the configured one, or the architecture's default. */
  public int widthOr(int fallback) {
    return width == 0 ? fallback : width;
  }

  /**
   * The stem: {@code IMAGENET} (ResNet/DenseNet: 7x7/2 conv and 3x3/2 max-pool; MobileNetV2: stride
   * 2 throughout) or {@code CIFAR} for small images (3x3/1 conv, no pool; MobileNetV2 keeps stride
   * 1 in its first conv and 24-channel stage); {@code AUTO} picks CIFAR below 64 pixels.
   */
  public enum Stem {
    AUTO,
    IMAGENET,
    CIFAR;

    /** Parses {@code imagenet}, {@code cifar} or {@code auto}. */
    public static Stem parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown stem '" + text + "', expected one of auto, imagenet, cifar", e);
      }
    }
  }
}
