package io.kebridge.prune.group;

import java.util.List;

/**
 * A set of tensors that must lose the same channels: the output channels of the convolutions or
 * dense layers that produce it, the batch-norms after them, the input channels of every layer that
 * reads it, and everything in between (activations, pooling, residual adds, flatten). Cutting
 * channel {@code c} of the group removes it from all of them at once.
 *
 * @param id the group's name: its first producer in layer order ({@code conv1}, {@code input})
 * @param channels the number of channels every member has on the grouped axis
 * @param role whether the pruner may drop channels of this group
 * @param producers layers whose output channels these are (convolutions, dense layers, the input)
 * @param normalisers batch-norms whose parameters and statistics are sliced with the group
 * @param consumers convolutions and dense layers whose input channels (or features) it is
 * @param passThrough channel-wise layers carrying the group unchanged (relu, pooling, add, flatten)
 */
public record ChannelGroup(
    String id,
    int channels,
    Role role,
    List<String> producers,
    List<String> normalisers,
    List<String> consumers,
    List<String> passThrough) {

  /** Whether a group may lose channels, and if not, why. */
  public enum Role {
    /** An inner group: any non-empty subset of its channels may be kept. */
    PRUNABLE,
    /** The network's image input: every image channel is read. */
    NETWORK_INPUT,
    /** The network's output: every class keeps its logit. */
    NETWORK_OUTPUT
  }

  public ChannelGroup {
    producers = List.copyOf(producers);
    normalisers = List.copyOf(normalisers);
    consumers = List.copyOf(consumers);
    passThrough = List.copyOf(passThrough);
  }

  /** True when the group keeps all of its channels whatever the selection. */
  public boolean fixed() {
    return role != Role.PRUNABLE;
  }
}
