package io.kebridge.models.cost;

import io.kebridge.models.spec.ActivationShape;

/**
 * The cost of one layer for one image: trainable parameters (batch-norm running statistics are not
 * parameters), multiply-accumulates, and the "Ops" figure of the KE paper.
 */
public record LayerCost(
    String layer, String type, ActivationShape output, long params, long macs, long ops) {}
