package io.kebridge.models.data;

/** Per-channel mean and standard deviation of pixel values in [0, 1], for normalisation. */
public record ChannelStats(float[] mean, float[] std) {
  public ChannelStats {
    mean = mean.clone();
    std = std.clone();
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }
}
