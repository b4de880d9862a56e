/**
 * Planning a cut: {@link io.kebridge.prune.group.ChannelGroups} finds the tensors that must lose
 * the same channels, {@link io.kebridge.prune.group.ChannelSelection} chooses the kept channels
 * and {@link io.kebridge.prune.group.PrunePlan} holds the validated decision.
 */
package io.kebridge.prune.group;
