package io.kebridge.models.split;

import io.kebridge.models.ModelException;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.Weights;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Ways to choose the kept channels of every prunable group. {@link #kels} is KE's kernel-level
 * split (the first {@code ceil(s*c)} channels of every chunk); {@link #largestMagnitude} keeps as
 * many channels, chosen by filter norm, to show that the cut accepts arbitrary index sets.
 */
public final class ChannelSelection {
  private ChannelSelection() {}

  /**
   * KELS: every prunable group keeps the first {@code plan.fitWidth(size)} channels of each of its
   * chunks (one chunk for most groups).
   */
  public static ChannelPlan kels(ChannelGroups groups, KelsPlan plan) {
    Map<String, int[]> kept = new LinkedHashMap<>();
    for (ChannelGroup g : groups.groups()) {
      if (!g.fixed()) {
        int size = g.chunkSize();
        int[] local = ChannelPlan.range(plan.fitWidth(size));
        kept.put(g.id(), everyChunk(g, local));
      }
    }
    return ChannelPlan.of(groups, kept);
  }

  private static int[] everyChunk(ChannelGroup g, int[] local) {
    int size = g.chunkSize();
    return IntStream.range(0, g.chunks())
        .flatMap(c -> Arrays.stream(local).map(i -> c * size + i))
        .toArray();
  }

  /**
   * Keeps {@code ceil(rate*c)} channels of every prunable group (the KELS count, per chunk), those
   * whose producing filters have the largest L1 norm summed over all producers of the group (and
   * over the chunks and the groups of its pattern, which keep the same channels); ties go to the
   * lower index.
   */
  public static ChannelPlan largestMagnitude(ChannelGroups groups, Weights weights, double rate) {
    KelsPlan widths = new KelsPlan(rate);
    Map<String, double[]> scores = new LinkedHashMap<>();
    for (ChannelGroup g : groups.groups()) {
      if (g.fixed()) {
        continue;
      }
      int size = g.chunkSize();
      double[] score = scores.computeIfAbsent(g.pattern(), p -> new double[size]);
      for (String producer : g.producers()) {
        String name = producer + ".weight";
        if (!weights.has(name)) {
          throw new ModelException("the weights have no tensor " + name + " to rank channels of "
              + "group " + g.id() + " by (layer " + producer + ")");
        }
        Tensor w = weights.get(name);
        int perChannel = w.data().length / g.channels();
        for (int c = 0; c < g.channels(); c++) {
          for (int j = c * perChannel; j < (c + 1) * perChannel; j++) {
            score[c % size] += Math.abs(w.data()[j]);
          }
        }
      }
    }
    Map<String, int[]> kept = new LinkedHashMap<>();
    for (ChannelGroup g : groups.groups()) {
      if (g.fixed()) {
        continue;
      }
      double[] score = scores.get(g.pattern());
      int[] best = IntStream.range(0, score.length).boxed()
          .sorted(Comparator.<Integer>comparingDouble(c -> -score[c]).thenComparingInt(c -> c))
          .limit(widths.fitWidth(score.length))
          .mapToInt(Integer::intValue)
          .toArray();
      Arrays.sort(best);
      kept.put(g.id(), everyChunk(g, best));
    }
    return ChannelPlan.of(groups, kept);
  }
}
