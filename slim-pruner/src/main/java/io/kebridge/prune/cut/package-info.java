/**
 * Cutting: {@link io.kebridge.prune.cut.SlimPruner} slices a network's tensors by a {@link
 * io.kebridge.models.split.ChannelPlan}; {@link io.kebridge.prune.cut.MaskedDense} builds the masked
 * dense network the cut must agree with.
 */
package io.kebridge.prune.cut;
