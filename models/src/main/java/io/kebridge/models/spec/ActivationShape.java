package io.kebridge.models.spec;

/**
 * The shape of one activation without the batch dimension, channel-major (C, H, W). A feature
 * vector (after flatten or dense) has height and width 1.
 */
public record ActivationShape(int channels, int height, int width) {
  public ActivationShape {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "shape dimensions must be positive, got " + channels + "x" + height + "x" + width);
    }
  }

  /** Number of scalar elements of one sample. */
  public long elements() {
    return (long) channels * height * width;
  }

  /** Parses {@code 3x224x224} (channels x height x width). */
  public static ActivationShape parse(String text) {
    String[] parts = text.trim().toLowerCase(java.util.Locale.ROOT).split("x");
    if (parts.length != 3) {
      throw new IllegalArgumentException(
          "input shape must be CxHxW such as 3x224x224, got '" + text + "'");
    }
    try {
      return new ActivationShape(
          Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "input shape must be CxHxW such as 3x224x224, got '" + text + "'", e);
    }
  }

  @Override
  public String toString() {
    return channels + "x" + height + "x" + width;
  }
}
