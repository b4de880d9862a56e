package io.kebridge.models.split;

import java.util.List;

/**
 * A set of tensors that must lose the same channels: the output channels of the convolutions or
 * dense layers that produce it, the batch-norms and depthwise convolutions after them, the input
 * channels of every layer that reads it, and everything in between (activations, pooling, residual
 * adds, concatenations, flatten). Cutting channel {@code c} of the group removes it from all of them
 * at once.
 *
 * <p>A group read by a grouped convolution is split into {@code chunks} equal, consecutive parts
 * (one per convolution group it spans, or more where several such readers meet); every selection
 * keeps the same channels of each chunk, so the convolution stays grouped after the cut. Groups
 * that a grouped convolution reads side by side (a concatenation) share that choice too: they
 * have the same {@code pattern} and the same chunk size.
 *
 * @param id the group's name: its first producer in layer order ({@code conv1}, {@code input})
 * @param channels the number of channels every member has on the grouped axis
 * @param chunks the number of equal parts that keep the same channels (1 for most groups)
 * @param pattern the id of the group whose per-chunk choice this one shares (its own id for most)
 * @param role whether the pruner may drop channels of this group
 * @param producers layers whose output channels these are (convolutions, dense layers, the input)
 * @param normalisers batch-norms whose parameters and statistics are sliced with the group
 * @param depthwise depthwise convolutions whose filters are sliced with the group
 * @param consumers convolutions and dense layers whose input channels (or features) it is
 * @param passThrough layers carrying the group unchanged (activations, pooling, add, concat,
 *     dropout, flatten)
 */
public record ChannelGroup(
    String id,
    int channels,
    int chunks,
    String pattern,
    Role role,
    List<String> producers,
    List<String> normalisers,
    List<String> depthwise,
    List<String> consumers,
    List<String> passThrough) {

  /** Whether a group may lose channels, and if not, why. */
  public enum Role {
    /** An inner group: any non-empty subset of its channels may be kept (the same per chunk). */
    PRUNABLE,
    /** The network's image input: every image channel is read. */
    NETWORK_INPUT,
    /** The network's output: every class keeps its logit. */
    NETWORK_OUTPUT
  }

  public ChannelGroup {
    producers = List.copyOf(producers);
    normalisers = List.copyOf(normalisers);
    depthwise = List.copyOf(depthwise);
    consumers = List.copyOf(consumers);
    passThrough = List.copyOf(passThrough);
  }

  /** True when the group keeps all of its channels whatever the selection. */
  public boolean fixed() {
    return role != Role.PRUNABLE;
  }

  /** Channels per chunk. */
  public int chunkSize() {
    return channels / chunks;
  }
}
