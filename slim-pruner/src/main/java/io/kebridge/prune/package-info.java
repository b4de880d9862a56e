/**
 * Cutting the KELS fit hypothesis out of a KE network as a physically smaller network: channel
 * groups are planned first (in {@code models}: {@link io.kebridge.models.split.ChannelPlan}, the
 * decision KE's masks come from too), tensors are sliced second ({@link
 * io.kebridge.prune.cut}); {@link io.kebridge.prune.cost} compares dense and slim costs, {@link
 * io.kebridge.prune.eval} measures accuracy through any {@code Forward}, {@link
 * io.kebridge.prune.store} writes the slim folder. Free of TensorFlow.
 */
package io.kebridge.prune;
