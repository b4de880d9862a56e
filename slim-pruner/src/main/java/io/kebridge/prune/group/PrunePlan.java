package io.kebridge.prune.group;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.split.Mask;
import io.kebridge.prune.PruneException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which channels of every {@link ChannelGroup} survive the cut: the complete, validated decision,
 * before any tensor is sliced. Any non-empty set of indices is accepted per prunable group (KELS
 * takes a prefix, other selections need not); fixed groups keep everything. Immutable.
 */
public final class PrunePlan {
  private final ChannelGroups groups;
  private final Map<String, int[]> kept;

  private PrunePlan(ChannelGroups groups, Map<String, int[]> kept) {
    this.groups = groups;
    this.kept = Collections.unmodifiableMap(kept);
  }

  /** The plan that keeps every channel of every group (the dense network itself). */
  public static PrunePlan keepAll(ChannelGroups groups) {
    return of(groups, Map.of());
  }

  /**
   * A plan keeping the given channel indices per group id; groups not named keep every channel.
   *
   * @throws PruneException for an unknown group, an empty, duplicated or out-of-range index set, or
   *     a fixed group that would lose channels
   */
  public static PrunePlan of(ChannelGroups groups, Map<String, int[]> keptByGroup) {
    for (String id : keptByGroup.keySet()) {
      groups.group(id);
    }
    Map<String, int[]> kept = new LinkedHashMap<>();
    for (ChannelGroup g : groups.groups()) {
      int[] k = keptByGroup.get(g.id());
      kept.put(g.id(), k == null ? range(g.channels()) : check(g, k));
    }
    return new PrunePlan(groups, kept);
  }

  /** A copy in which group {@code id} keeps {@code indices} (in any order). */
  public PrunePlan withKept(String id, int... indices) {
    Map<String, int[]> k = new LinkedHashMap<>(kept);
    k.put(id, indices);
    return of(groups, k);
  }

  private static int[] check(ChannelGroup g, int[] indices) {
    int[] k = indices.clone();
    Arrays.sort(k);
    if (k.length == 0) {
      throw new PruneException("channel group " + g.id() + " would keep no channel; keep at "
          + "least one of its " + g.channels() + " channels");
    }
    for (int i = 0; i < k.length; i++) {
      if (k[i] < 0 || k[i] >= g.channels()) {
        throw new PruneException("channel group " + g.id() + " has " + g.channels()
            + " channels, cannot keep channel " + k[i]);
      }
      if (i > 0 && k[i] == k[i - 1]) {
        throw new PruneException("channel group " + g.id() + ": channel " + k[i]
            + " is listed twice");
      }
    }
    if (g.fixed() && k.length != g.channels()) {
      throw new PruneException("channel group " + g.id() + " is the "
          + (g.role() == ChannelGroup.Role.NETWORK_INPUT ? "network input" : "network output")
          + " and keeps all " + g.channels() + " channels, cannot keep only " + k.length);
    }
    return k;
  }

  static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }

  /** The grouping this plan decides on. */
  public ChannelGroups groups() {
    return groups;
  }

  /** The dense network. */
  public NetworkSpec spec() {
    return groups.spec();
  }

  /** Kept channel indices of group {@code id}, ascending. */
  public int[] kept(String id) {
    groups.group(id);
    return kept.get(id).clone();
  }

  /**
   * Kept indices of {@code layer}'s output, ascending: channels for maps, features for vectors
   * (each kept channel of a flattened map keeps its whole run of features).
   */
  public int[] keptOutput(String layer) {
    ChannelSlot s = groups.slot(layer);
    int[] k = kept.get(s.group());
    int r = s.repeat();
    if (r == 1) {
      return k.clone();
    }
    int[] out = new int[k.length * r];
    for (int i = 0; i < k.length; i++) {
      for (int j = 0; j < r; j++) {
        out[i * r + j] = k[i] * r + j;
      }
    }
    return out;
  }

  /** Number of kept channels (or features) of {@code layer}'s output. */
  public int keptWidth(String layer) {
    ChannelSlot s = groups.slot(layer);
    return kept.get(s.group()).length * s.repeat();
  }

  /**
   * The slim network: the same layers and names with the kept widths, labelled
   * {@code <architecture>-slim} (as {@code KelsPlan.slimSpec}).
   */
  public NetworkSpec slimSpec() {
    NetworkSpec spec = groups.spec();
    List<Layer> slim = new ArrayList<>();
    for (Layer layer : spec.layers()) {
      Layer l = layer;
      if (layer instanceof Layer.Conv2d c) {
        l = new Layer.Conv2d(c.name(), c.input(), keptWidth(c.input()), keptWidth(c.name()),
            c.kernel(), c.stride(), c.padding(), c.bias());
      } else if (layer instanceof Layer.BatchNorm b) {
        l = new Layer.BatchNorm(b.name(), b.input(), keptWidth(b.name()), b.epsilon(),
            b.momentum());
      } else if (layer instanceof Layer.Dense d) {
        l = new Layer.Dense(d.name(), d.input(), keptWidth(d.input()), keptWidth(d.name()),
            d.bias());
      }
      slim.add(l);
    }
    try {
      return new NetworkSpec(spec.architecture() + "-slim", slim, spec.output());
    } catch (ModelException e) {
      throw new PruneException("the slim network of " + spec.architecture()
          + " does not validate: " + e.getMessage(), e);
    }
  }

  /**
   * The fit-hypothesis masks this plan implies for every conv and dense weight: entry {@code [o, i,
   * ...]} is 1 when output channel {@code o} and input channel {@code i} are both kept.
   */
  public Map<String, Mask> masks() {
    Map<String, Mask> masks = new LinkedHashMap<>();
    for (Layer layer : groups.spec().layers()) {
      for (ParamSpec p : layer.params()) {
        if (!p.kind().maskable()) {
          continue;
        }
        int[] shape = p.shape();
        int inner = 1;
        for (int i = 2; i < shape.length; i++) {
          inner *= shape[i];
        }
        byte[] bits = new byte[shape[0] * shape[1] * inner];
        int[] in = keptOutput(layer.inputs().get(0));
        for (int o : keptOutput(layer.name())) {
          for (int i : in) {
            int base = (o * shape[1] + i) * inner;
            Arrays.fill(bits, base, base + inner, (byte) 1);
          }
        }
        masks.put(p.name(), new Mask(p.name(), shape, bits));
      }
    }
    return masks;
  }

  /** Every group with the channels it keeps, as compact ranges ({@code 0-7, 9}). */
  public String describe() {
    StringBuilder b = new StringBuilder();
    for (ChannelGroup g : groups.groups()) {
      int[] k = kept.get(g.id());
      b.append(String.format(Locale.ROOT, "%-28s keeps %4d of %4d%s: %s%n", g.id(), k.length,
          g.channels(), g.fixed() ? " (fixed)" : "", ranges(k)));
    }
    return b.toString();
  }

  static String ranges(int[] sorted) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    while (i < sorted.length) {
      int j = i;
      while (j + 1 < sorted.length && sorted[j + 1] == sorted[j] + 1) {
        j++;
      }
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(sorted[i]);
      if (j > i) {
        b.append('-').append(sorted[j]);
      }
      i = j + 1;
    }
    return b.toString();
  }

  @Override
  public String toString() {
    int total = 0;
    int keep = 0;
    for (ChannelGroup g : groups.groups()) {
      total += g.channels();
      keep += kept.get(g.id()).length;
    }
    return "PrunePlan[" + groups.spec().architecture() + ", " + groups.groups().size()
        + " groups, keeps " + keep + " of " + total + " channels]";
  }
}
