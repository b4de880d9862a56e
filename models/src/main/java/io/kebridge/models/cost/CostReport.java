package io.kebridge.models.cost;

import java.util.List;

/** Per-layer costs of a network, in layer order, with the totals. */
public record CostReport(String architecture, List<LayerCost> layers) {
  public CostReport {
    layers = List.copyOf(layers);
  }

  public long params() {
    return layers.stream().mapToLong(LayerCost::params).sum();
  }

  public long macs() {
    return layers.stream().mapToLong(LayerCost::macs).sum();
  }

  public long ops() {
    return layers.stream().mapToLong(LayerCost::ops).sum();
  }

  /** The cost of the named layer. */
  public LayerCost layer(String name) {
    return layers.stream()
        .filter(l -> l.layer().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no layer " + name + " in the report"));
  }

  /** {@code 100 * (1 - part / whole)}: the reduction in percent from {@code whole} to {@code part}. */
  public static double reductionPercent(long whole, long part) {
    return whole == 0 ? 0 : 100.0 * (1.0 - (double) part / whole);
  }
}
