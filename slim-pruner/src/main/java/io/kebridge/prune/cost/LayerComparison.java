package io.kebridge.prune.cost;

import io.kebridge.models.cost.LayerCost;

/** The cost of one layer in the dense and in the slim network. */
public record LayerComparison(LayerCost dense, LayerCost slim) {
  /** Reduction of the layer's Ops in percent. */
  public double opsReductionPercent() {
    return io.kebridge.models.cost.CostReport.reductionPercent(dense.ops(), slim.ops());
  }
}
