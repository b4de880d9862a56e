package io.kebridge.prune.cut;

import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.ChannelPlan;
import io.kebridge.models.weights.Weights;

/**
 * A network cut out of a dense one: its spec, its weights (matching the spec) and the plan that
 * says which dense channels it kept.
 */
public record SlimNetwork(NetworkSpec spec, Weights weights, ChannelPlan plan) {}
