package io.kebridge.prune.group;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.prune.PruneException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The channel dependency groups of a network: which tensors must lose the same channels (the
 * Torch-Pruning idea of planning before cutting). Computed from the spec alone, so the grouping can
 * be printed and tested before a single weight is touched.
 *
 * <p>Convolutions and dense layers start a group with their output; batch-norm, relu, pooling and
 * global pooling carry their input's group; a residual add merges the groups of all its inputs
 * into one (so the skip path, the block output and a downsample convolution keep the same
 * indices); flatten maps a group onto feature runs ({@link ChannelSlot#repeat()}). The network
 * input and the network output are fixed groups that keep every channel.
 */
public final class ChannelGroups {
  private final NetworkSpec spec;
  private final List<ChannelGroup> groups;
  private final Map<String, ChannelGroup> byId;
  private final Map<String, ChannelSlot> slots;

  private ChannelGroups(
      NetworkSpec spec, List<ChannelGroup> groups, Map<String, ChannelSlot> slots) {
    this.spec = spec;
    this.groups = List.copyOf(groups);
    Map<String, ChannelGroup> ids = new LinkedHashMap<>();
    for (ChannelGroup g : groups) {
      ids.put(g.id(), g);
    }
    this.byId = Collections.unmodifiableMap(ids);
    this.slots = Collections.unmodifiableMap(slots);
  }

  /**
   * Groups the channels of {@code spec}.
   *
   * @throws PruneException for a layer type the pruner does not know, or a residual add that joins
   *     features laid out differently (for example a flattened map and a dense output)
   */
  public static ChannelGroups of(NetworkSpec spec) {
    UnionFind sets = new UnionFind();
    Map<String, int[]> slotOf = new LinkedHashMap<>(); // layer -> {provisional set, repeat}
    for (Layer layer : spec.layers()) {
      if (layer instanceof Layer.Input in) {
        slotOf.put(in.name(), new int[] {sets.add(in.name(), in.shape().channels(),
            ChannelGroup.Role.NETWORK_INPUT), 1});
      } else if (layer instanceof Layer.Conv2d c) {
        slotOf.put(c.name(), new int[] {sets.add(c.name(), c.outChannels(),
            ChannelGroup.Role.PRUNABLE), 1});
      } else if (layer instanceof Layer.Dense d) {
        slotOf.put(d.name(), new int[] {sets.add(d.name(), d.outFeatures(),
            ChannelGroup.Role.PRUNABLE), 1});
      } else if (layer instanceof Layer.BatchNorm
          || layer instanceof Layer.Relu
          || layer instanceof Layer.MaxPool
          || layer instanceof Layer.GlobalAvgPool) {
        slotOf.put(layer.name(), slotOf.get(layer.inputs().get(0)));
      } else if (layer instanceof Layer.Flatten f) {
        int[] s = slotOf.get(f.input());
        ActivationShape x = spec.shapeOf(f.input());
        slotOf.put(f.name(), new int[] {s[0], s[1] * x.height() * x.width()});
      } else if (layer instanceof Layer.Add a) {
        int[] first = slotOf.get(a.inputs().get(0));
        for (String other : a.inputs().subList(1, a.inputs().size())) {
          int[] s = slotOf.get(other);
          if (s[1] != first[1]) {
            throw new PruneException(a.name() + ": joins " + a.inputs().get(0) + " and " + other
                + ", whose features map onto channels differently (" + first[1] + " vs " + s[1]
                + " features per channel); the pruner cannot keep them consistent");
          }
          sets.union(first[0], s[0]);
        }
        slotOf.put(a.name(), first);
      } else {
        throw new PruneException(layer.name() + ": the pruner does not know layer type "
            + layer.getClass().getSimpleName() + "; it handles input, conv2d, batch_norm, relu,"
            + " max_pool, global_avg_pool, add, flatten and dense");
      }
    }
    sets.fix(slotOf.get(spec.output())[0], ChannelGroup.Role.NETWORK_OUTPUT);

    Map<String, ChannelSlot> slots = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : slotOf.entrySet()) {
      slots.put(e.getKey(), new ChannelSlot(sets.id(e.getValue()[0]), e.getValue()[1]));
    }
    return new ChannelGroups(spec, collect(spec, sets, slots), slots);
  }

  private static List<ChannelGroup> collect(
      NetworkSpec spec, UnionFind sets, Map<String, ChannelSlot> slots) {
    Map<String, Members> members = new LinkedHashMap<>();
    for (int i = 0; i < sets.size(); i++) {
      members.putIfAbsent(sets.id(i), new Members(sets.channels(i)));
    }
    for (Layer layer : spec.layers()) {
      Members own = members.get(slots.get(layer.name()).group());
      if (layer instanceof Layer.Input) {
        own.producers.add(layer.name());
      } else if (layer instanceof Layer.Conv2d || layer instanceof Layer.Dense) {
        own.producers.add(layer.name());
        members.get(slots.get(layer.inputs().get(0)).group()).consumers.add(layer.name());
      } else if (layer instanceof Layer.BatchNorm) {
        own.normalisers.add(layer.name());
      } else {
        own.passThrough.add(layer.name());
      }
    }
    List<ChannelGroup> out = new ArrayList<>();
    members.forEach((id, m) -> out.add(new ChannelGroup(id, m.channels, sets.role(id),
        m.producers, m.normalisers, m.consumers, m.passThrough)));
    return out;
  }

  /** The members of one group while they are collected. */
  private static final class Members {
    final int channels;
    final List<String> producers = new ArrayList<>();
    final List<String> normalisers = new ArrayList<>();
    final List<String> consumers = new ArrayList<>();
    final List<String> passThrough = new ArrayList<>();

    Members(int channels) {
      this.channels = channels;
    }
  }

  /** The network these groups belong to. */
  public NetworkSpec spec() {
    return spec;
  }

  /** All groups, in the order their first producer appears in the network. */
  public List<ChannelGroup> groups() {
    return groups;
  }

  /** The group with this id. */
  public ChannelGroup group(String id) {
    ChannelGroup g = byId.get(id);
    if (g == null) {
      throw new PruneException("the network has no channel group '" + id + "'; groups: "
          + byId.keySet());
    }
    return g;
  }

  /** How the output of {@code layer} maps onto its group. */
  public ChannelSlot slot(String layer) {
    ChannelSlot s = slots.get(layer);
    if (s == null) {
      throw new PruneException("the network has no layer named '" + layer + "'");
    }
    return s;
  }

  /** The group that the output of {@code layer} belongs to. */
  public ChannelGroup groupOf(String layer) {
    return group(slot(layer).group());
  }

  /** A human-readable listing of every group and its members. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%s: %d channel groups%n", spec.architecture(),
        groups.size()));
    for (ChannelGroup g : groups) {
      b.append(String.format(Locale.ROOT, "group %s: %d channels, %s%n", g.id(), g.channels(),
          g.role().name().toLowerCase(Locale.ROOT).replace('_', ' ')));
      line(b, "produced by", g.producers());
      line(b, "normalised by", g.normalisers());
      line(b, "read by", g.consumers());
      List<String> pass = new ArrayList<>();
      for (String p : g.passThrough()) {
        int r = slots.get(p).repeat();
        pass.add(r == 1 ? p : p + " (" + r + " features per channel)");
      }
      line(b, "passes through", pass);
    }
    return b.toString();
  }

  private static void line(StringBuilder b, String what, List<String> names) {
    if (!names.isEmpty()) {
      b.append("  ").append(what).append(' ').append(String.join(", ", names)).append('\n');
    }
  }

  @Override
  public String toString() {
    return "ChannelGroups[" + spec.architecture() + ", " + groups.size() + " groups]";
  }

  /** Disjoint sets of provisional groups; a merged set takes the name of its earliest member. */
  private static final class UnionFind {
    private final List<Integer> parent = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<Integer> widths = new ArrayList<>();
    private final List<ChannelGroup.Role> roles = new ArrayList<>();

    int add(String name, int channels, ChannelGroup.Role role) {
      parent.add(parent.size());
      names.add(name);
      widths.add(channels);
      roles.add(role);
      return parent.size() - 1;
    }

    int size() {
      return parent.size();
    }

    int find(int i) {
      int root = i;
      while (parent.get(root) != root) {
        root = parent.get(root);
      }
      while (parent.get(i) != root) {
        int next = parent.get(i);
        parent.set(i, root);
        i = next;
      }
      return root;
    }

    void union(int a, int b) {
      int ra = find(a);
      int rb = find(b);
      if (ra == rb) {
        return;
      }
      // the earlier set is the root, so a merged group is named after its first producer
      int root = Math.min(ra, rb);
      int child = Math.max(ra, rb);
      parent.set(child, root);
      roles.set(root, stronger(roles.get(root), roles.get(child)));
    }

    void fix(int i, ChannelGroup.Role role) {
      int r = find(i);
      roles.set(r, stronger(roles.get(r), role));
    }

    private static ChannelGroup.Role stronger(ChannelGroup.Role a, ChannelGroup.Role b) {
      return a == ChannelGroup.Role.PRUNABLE ? b : a;
    }

    String id(int i) {
      return names.get(find(i));
    }

    int channels(int i) {
      return widths.get(find(i));
    }

    ChannelGroup.Role role(String id) {
      return roles.get(find(names.indexOf(id)));
    }
  }
}
