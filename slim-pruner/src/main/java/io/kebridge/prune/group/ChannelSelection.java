package io.kebridge.prune.group;

import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.Weights;
import io.kebridge.prune.PruneException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Ways to choose the kept channels of every prunable group. {@link #kels} is KE's kernel-level
 * split (the first {@code ceil(s*c)} channels); {@link #largestMagnitude} keeps as many channels,
 * chosen by filter norm, to show that the cut accepts arbitrary index sets.
 */
public final class ChannelSelection {
  private ChannelSelection() {}

  /** KELS: every prunable group keeps its first {@code plan.fitWidth(c)} channels. */
  public static PrunePlan kels(ChannelGroups groups, KelsPlan plan) {
    Map<String, int[]> kept = new LinkedHashMap<>();
    for (ChannelGroup g : groups.groups()) {
      if (!g.fixed()) {
        kept.put(g.id(), PrunePlan.range(plan.fitWidth(g.channels())));
      }
    }
    return PrunePlan.of(groups, kept);
  }

  /**
   * Keeps {@code ceil(rate*c)} channels of every prunable group (the KELS count), those whose
   * producing filters have the largest L1 norm summed over all producers of the group; ties go to
   * the lower index.
   */
  public static PrunePlan largestMagnitude(ChannelGroups groups, Weights weights, double rate) {
    KelsPlan widths = new KelsPlan(rate);
    Map<String, int[]> kept = new LinkedHashMap<>();
    for (ChannelGroup g : groups.groups()) {
      if (g.fixed()) {
        continue;
      }
      double[] score = new double[g.channels()];
      for (String producer : g.producers()) {
        String name = producer + ".weight";
        if (!weights.has(name)) {
          throw new PruneException("the weights have no tensor " + name + " to rank channels of "
              + "group " + g.id() + " by (layer " + producer + ")");
        }
        Tensor w = weights.get(name);
        int perChannel = w.data().length / g.channels();
        for (int c = 0; c < g.channels(); c++) {
          for (int j = c * perChannel; j < (c + 1) * perChannel; j++) {
            score[c] += Math.abs(w.data()[j]);
          }
        }
      }
      int[] best = IntStream.range(0, g.channels()).boxed()
          .sorted(Comparator.<Integer>comparingDouble(c -> -score[c]).thenComparingInt(c -> c))
          .limit(widths.fitWidth(g.channels()))
          .mapToInt(Integer::intValue)
          .toArray();
      Arrays.sort(best);
      kept.put(g.id(), best);
    }
    return PrunePlan.of(groups, kept);
  }
}
