package io.kebridge.models.data;

/**
 * Per-channel mean and standard deviation of pixel values in [0, 1], for normalisation. A constant
 * channel (std 0 or below 1e-12) keeps std 1, so it is only centred: trainer, exporter, pruner and
 * server all read the stats from here and so agree, instead of dividing by zero.
 */
public record ChannelStats(float[] mean, float[] std) {
  public ChannelStats {
    mean = mean.clone();
    std = std.clone();
    for (int c = 0; c < std.length; c++) {
      if (!(std[c] > 1e-12f)) {
        std[c] = 1f;
      }
    }
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /**
   * A normalised copy of a channel-major image with pixels in [0, 1]: {@code (x - mean[c]) /
   * std[c]}, the preprocessing every network in ke-bridge is trained and served with.
   */
  public float[] normalize(float[] chw) {
    if (chw.length % mean.length != 0) {
      throw new IllegalArgumentException(
          "an image of " + chw.length + " values does not split into " + mean.length
              + " channels");
    }
    int hw = chw.length / mean.length;
    float[] x = new float[chw.length];
    for (int i = 0; i < x.length; i++) {
      int c = i / hw;
      x[i] = (chw[i] - mean[c]) / std[c];
    }
    return x;
  }
}
