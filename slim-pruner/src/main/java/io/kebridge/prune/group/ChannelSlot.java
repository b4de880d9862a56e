package io.kebridge.prune.group;

/**
 * How one layer's output axis maps onto a {@link ChannelGroup}: output feature {@code f} is channel
 * {@code f / repeat} of the group. Maps have {@code repeat} 1; a flatten of {@code C x H x W}
 * multiplies it by {@code H*W}, because flatten is channel-major and every channel becomes a run of
 * {@code H*W} consecutive features.
 *
 * @param group id of the channel group
 * @param repeat consecutive output features per group channel (at least 1)
 */
public record ChannelSlot(String group, int repeat) {
  public ChannelSlot {
    if (repeat < 1) {
      throw new IllegalArgumentException("repeat must be at least 1, got " + repeat);
    }
  }
}
