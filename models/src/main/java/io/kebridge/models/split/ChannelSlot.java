package io.kebridge.models.split;

/**
 * One run of a layer's output axis that belongs to a single {@link ChannelGroup}: the group's
 * channels in order, each repeated {@code repeat} times consecutively. A layer's output is a list
 * of slots ({@link ChannelGroups#layout}): one slot for a plain map, one per input for a concat.
 * Maps have {@code repeat} 1; a flatten of {@code C x H x W} multiplies it by {@code H*W} (flatten is
 * channel-major, so every channel becomes a run of {@code H*W} features), and a depthwise
 * convolution with channel multiplier {@code m} multiplies it by {@code m}.
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
