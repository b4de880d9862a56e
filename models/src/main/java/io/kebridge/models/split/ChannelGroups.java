package io.kebridge.models.split;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The channel dependency groups of a network: which tensors must lose the same channels (the
 * Torch-Pruning idea of planning before cutting). Computed from the spec alone, so the grouping can
 * be printed and tested before a single weight is touched; KELS masks, the slim spec and the
 * pruner's cut all derive from it ({@link ChannelPlan}).
 *
 * <p>Convolutions and dense layers start a group with their output; batch-norm, activations,
 * pooling, dropout and depthwise convolutions carry their input's layout (so does local response
 * normalisation, though it mixes neighbouring channels: {@link ChannelPlan#slimSpec} refuses to
 * cut through it); a residual add merges the groups of its inputs slot by slot (so the skip path, the block output and a downsample
 * convolution keep the same indices); a concatenation lays its inputs' slots side by side, so a
 * layer reading it sees each concatenated chunk as a group of its own (the reference's
 * {@code in_channels_order}); flatten maps every slot onto feature runs ({@link
 * ChannelSlot#repeat()}); a grouped convolution splits the groups it reads into chunks. The network
 * input and the network output are fixed groups that keep every channel.
 */
public final class ChannelGroups {
  private final NetworkSpec spec;
  private final List<ChannelGroup> groups;
  private final Map<String, ChannelGroup> byId;
  private final Map<String, List<ChannelSlot>> layouts;
  private final List<String> mixers;

  private ChannelGroups(NetworkSpec spec, List<ChannelGroup> groups,
      Map<String, List<ChannelSlot>> layouts, List<String> mixers) {
    this.spec = spec;
    this.groups = List.copyOf(groups);
    this.mixers = List.copyOf(mixers);
    Map<String, ChannelGroup> ids = new LinkedHashMap<>();
    for (ChannelGroup g : groups) {
      ids.put(g.id(), g);
    }
    this.byId = Collections.unmodifiableMap(ids);
    this.layouts = Collections.unmodifiableMap(layouts);
  }

  /**
   * Groups the channels of {@code spec}.
   *
   * @throws ModelException for a residual add that joins outputs laid out differently (for example
   *     a concatenation and a single convolution), or a grouped convolution whose groups cut
   *     through a concatenated chunk
   */
  public static ChannelGroups of(NetworkSpec spec) {
    Grouper grouper = new Grouper(spec);
    for (Layer layer : spec.layers()) {
      grouper.layouts.put(layer.name(), layer.accept(grouper));
    }
    for (Slot s : grouper.layouts.get(spec.output())) {
      grouper.sets.fix(s.set(), ChannelGroup.Role.NETWORK_OUTPUT);
    }
    Map<Integer, Integer> pattern = grouper.sets.linkPatterns(grouper.links);
    Map<String, List<ChannelSlot>> layouts = new LinkedHashMap<>();
    grouper.layouts.forEach((layer, slots) -> layouts.put(layer,
        slots.stream().map(s -> new ChannelSlot(grouper.sets.id(s.set()), s.repeat())).toList()));
    return new ChannelGroups(spec, collect(spec, grouper.sets, layouts, pattern), layouts,
        grouper.mixers);
  }

  /** A provisional group (a union-find set) and its repeat: one slot while grouping. */
  private record Slot(int set, int repeat) {}

  /** Computes every layer's output layout in layer order, merging groups as adds require. */
  private static final class Grouper implements Layer.Visitor<List<Slot>> {
    private final NetworkSpec spec;
    private final UnionFind sets = new UnionFind();
    private final Map<String, List<Slot>> layouts = new LinkedHashMap<>();
    /** The sets each grouped convolution reads side by side: they keep the same chunk pattern. */
    private final List<List<Integer>> links = new ArrayList<>();
    /** Layers whose output channels depend on neighbouring input channels without weights. */
    private final List<String> mixers = new ArrayList<>();

    Grouper(NetworkSpec spec) {
      this.spec = spec;
    }

    private List<Slot> of(String layer) {
      return layouts.get(layer);
    }

    private List<Slot> fresh(String name, int channels, int chunks, ChannelGroup.Role role) {
      return List.of(new Slot(sets.add(name, channels, chunks, role), 1));
    }

    private List<Slot> same(Layer layer) {
      return of(layer.inputs().get(0));
    }

    @Override
    public List<Slot> visit(Layer.Input l) {
      return fresh(l.name(), l.shape().channels(), 1, ChannelGroup.Role.NETWORK_INPUT);
    }

    @Override
    public List<Slot> visit(Layer.Conv2d c) {
      List<Slot> in = of(c.input());
      if (c.groups() == 1) {
        return fresh(c.name(), c.outChannels(), 1, ChannelGroup.Role.PRUNABLE);
      }
      if (c.depthwise()) {
        // output channel o reads input channel o / m: each input channel's run grows m times
        int m = c.outChannels() / c.inChannels();
        return in.stream().map(s -> new Slot(s.set(), s.repeat() * m)).toList();
      }
      int perGroup = c.inChannels() / c.groups();
      for (Slot s : in) {
        int width = sets.channels(s.set());
        if (s.repeat() != 1 || width % perGroup != 0) {
          throw new ModelException(c.name() + ": its " + c.groups() + " groups of " + perGroup
              + " input channels cut through " + sets.id(s.set()) + "'s "
              + width * s.repeat() + " channels"
              + (s.repeat() != 1 ? " (repeated " + s.repeat() + " times)" : "")
              + "; KE and the pruner need every concatenated part to hold whole groups");
        }
        sets.requireChunks(s.set(), width / perGroup);
      }
      links.add(in.stream().map(Slot::set).toList());
      return fresh(c.name(), c.outChannels(), c.groups(), ChannelGroup.Role.PRUNABLE);
    }

    @Override
    public List<Slot> visit(Layer.BatchNorm l) {
      return same(l);
    }

    @Override
    public List<Slot> visit(Layer.Relu l) {
      return same(l);
    }

    @Override
    public List<Slot> visit(Layer.Relu6 l) {
      return same(l);
    }

    @Override
    public List<Slot> visit(Layer.MaxPool l) {
      return same(l);
    }

    @Override
    public List<Slot> visit(Layer.AvgPool l) {
      return same(l);
    }

    @Override
    public List<Slot> visit(Layer.GlobalAvgPool l) {
      return same(l);
    }

    @Override
    public List<Slot> visit(Layer.Dropout l) {
      return same(l);
    }

    @Override
    public List<Slot> visit(Layer.Lrn l) {
      // its channels are its input's and masks are drawn as for any pass-through layer; that it
      // mixes neighbours is the slim network's concern (ChannelPlan#slimSpec)
      mixers.add(l.name());
      return same(l);
    }

    @Override
    public List<Slot> visit(Layer.Add a) {
      List<Slot> first = of(a.inputs().get(0));
      for (String other : a.inputs().subList(1, a.inputs().size())) {
        List<Slot> o = of(other);
        if (!sameStructure(first, o)) {
          throw new ModelException(a.name() + ": adds " + a.inputs().get(0) + " (channel groups "
              + describe(first) + ") and " + other + " (" + describe(o) + "), which are laid out"
              + " differently; KE and the pruner need both sides of an add to keep the same"
              + " channels");
        }
        for (int i = 0; i < first.size(); i++) {
          sets.union(first.get(i).set(), o.get(i).set());
        }
      }
      return first;
    }

    private boolean sameStructure(List<Slot> a, List<Slot> b) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (a.get(i).repeat() != b.get(i).repeat()
            || sets.channels(a.get(i).set()) != sets.channels(b.get(i).set())) {
          return false;
        }
      }
      return true;
    }

    private String describe(List<Slot> slots) {
      List<String> parts = new ArrayList<>();
      for (Slot s : slots) {
        parts.add(sets.id(s.set()) + ":" + sets.channels(s.set())
            + (s.repeat() == 1 ? "" : "x" + s.repeat()));
      }
      return String.join(", ", parts);
    }

    @Override
    public List<Slot> visit(Layer.Concat c) {
      List<Slot> out = new ArrayList<>();
      for (String in : c.inputs()) {
        out.addAll(of(in));
      }
      return List.copyOf(out);
    }

    @Override
    public List<Slot> visit(Layer.Flatten f) {
      ActivationShape x = spec.shapeOf(f.input());
      int hw = x.height() * x.width();
      return of(f.input()).stream().map(s -> new Slot(s.set(), s.repeat() * hw)).toList();
    }

    @Override
    public List<Slot> visit(Layer.Dense d) {
      return fresh(d.name(), d.outFeatures(), 1, ChannelGroup.Role.PRUNABLE);
    }
  }

  private static List<ChannelGroup> collect(NetworkSpec spec, UnionFind sets,
      Map<String, List<ChannelSlot>> layouts, Map<Integer, Integer> pattern) {
    Map<String, Members> members = new LinkedHashMap<>();
    for (int i = 0; i < sets.size(); i++) {
      members.putIfAbsent(sets.id(i), new Members());
    }
    Function<String, List<Members>> groupsOf = layer -> layouts.get(layer).stream()
        .map(s -> members.get(s.group())).distinct().toList();
    for (Layer layer : spec.layers()) {
      String name = layer.name();
      Role role = layer.accept(new RoleOf());
      switch (role) {
        case PRODUCER -> {
          groupsOf.apply(name).forEach(m -> m.producers.add(name));
          if (!layer.inputs().isEmpty()) {
            groupsOf.apply(layer.inputs().get(0)).forEach(m -> m.consumers.add(name));
          }
        }
        case NORMALISER -> groupsOf.apply(name).forEach(m -> m.normalisers.add(name));
        case DEPTHWISE -> groupsOf.apply(name).forEach(m -> m.depthwise.add(name));
        default -> groupsOf.apply(name).forEach(m -> m.passThrough.add(name));
      }
    }
    List<ChannelGroup> out = new ArrayList<>();
    members.forEach((id, m) -> {
      int set = sets.indexOf(id);
      out.add(new ChannelGroup(id, sets.channels(set), sets.chunks(set),
          sets.id(pattern.get(sets.find(set))), sets.role(set), m.producers, m.normalisers,
          m.depthwise, m.consumers, m.passThrough));
    });
    return out;
  }

  /** How a layer takes part in the groups of its output. */
  private enum Role {
    PRODUCER,
    NORMALISER,
    DEPTHWISE,
    PASS_THROUGH
  }

  private static final class RoleOf implements Layer.Visitor<Role> {
    @Override
    public Role visit(Layer.Input l) {
      return Role.PRODUCER;
    }

    @Override
    public Role visit(Layer.Conv2d l) {
      return l.depthwise() ? Role.DEPTHWISE : Role.PRODUCER;
    }

    @Override
    public Role visit(Layer.BatchNorm l) {
      return Role.NORMALISER;
    }

    @Override
    public Role visit(Layer.Relu l) {
      return Role.PASS_THROUGH;
    }

    @Override
    public Role visit(Layer.Relu6 l) {
      return Role.PASS_THROUGH;
    }

    @Override
    public Role visit(Layer.MaxPool l) {
      return Role.PASS_THROUGH;
    }

    @Override
    public Role visit(Layer.AvgPool l) {
      return Role.PASS_THROUGH;
    }

    @Override
    public Role visit(Layer.GlobalAvgPool l) {
      return Role.PASS_THROUGH;
    }

    @Override
    public Role visit(Layer.Add l) {
      return Role.PASS_THROUGH;
    }

    @Override
    public Role visit(Layer.Concat l) {
      return Role.PASS_THROUGH;
    }

    @Override
    public Role visit(Layer.Dropout l) {
      return Role.PASS_THROUGH;
    }

    @Override
    public Role visit(Layer.Lrn l) {
      return Role.PASS_THROUGH;
    }

    @Override
    public Role visit(Layer.Flatten l) {
      return Role.PASS_THROUGH;
    }

    @Override
    public Role visit(Layer.Dense l) {
      return Role.PRODUCER;
    }
  }

  /** The members of one group while they are collected. */
  private static final class Members {
    final List<String> producers = new ArrayList<>();
    final List<String> normalisers = new ArrayList<>();
    final List<String> depthwise = new ArrayList<>();
    final List<String> consumers = new ArrayList<>();
    final List<String> passThrough = new ArrayList<>();
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
      throw new ModelException("the network has no channel group '" + id + "'; groups: "
          + byId.keySet());
    }
    return g;
  }

  /** How the output axis of {@code layer} maps onto groups: its slots, in order. */
  public List<ChannelSlot> layout(String layer) {
    List<ChannelSlot> s = layouts.get(layer);
    if (s == null) {
      throw new ModelException("the network has no layer named '" + layer + "'");
    }
    return s;
  }

  /**
   * The one group that the whole output of {@code layer} belongs to.
   *
   * @throws ModelException when the output spans several groups (a concatenation)
   */
  public ChannelGroup groupOf(String layer) {
    List<ChannelSlot> s = layout(layer);
    if (s.size() != 1) {
      throw new ModelException(layer + ": its output spans " + s.size() + " channel groups");
    }
    return group(s.get(0).group());
  }

  /**
   * The layers whose output channel depends on neighbouring input channels through no weight
   * (local response normalisation), in layer order: a cut that drops channels they read changes
   * what the kept channels compute.
   */
  public List<String> channelMixers() {
    return mixers;
  }

  /** A human-readable listing of every group and its members. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%s: %d channel groups%n", spec.architecture(),
        groups.size()));
    for (ChannelGroup g : groups) {
      b.append(String.format(Locale.ROOT, "group %s: %d channels%s%s, %s%n", g.id(), g.channels(),
          g.chunks() == 1 ? "" : " in " + g.chunks() + " chunks",
          g.pattern().equals(g.id()) ? "" : " (keeps the channels " + g.pattern() + " keeps)",
          g.role().name().toLowerCase(Locale.ROOT).replace('_', ' ')));
      line(b, "produced by", g.producers());
      line(b, "normalised by", g.normalisers());
      line(b, "filtered depthwise by", g.depthwise());
      line(b, "read by", g.consumers());
      List<String> pass = new ArrayList<>();
      for (String p : g.passThrough()) {
        int r = layout(p).stream().filter(s -> s.group().equals(g.id()))
            .mapToInt(ChannelSlot::repeat).findFirst().orElse(1);
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

  private static int gcd(int a, int b) {
    int x = a;
    int y = b;
    while (y != 0) {
      int t = x % y;
      x = y;
      y = t;
    }
    return x;
  }

  /**
   * Disjoint sets of provisional groups; a merged set takes the name of its earliest member, the
   * stronger role and the least common multiple of the chunk counts.
   */
  private static final class UnionFind {
    private final List<Integer> parent = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<Integer> widths = new ArrayList<>();
    private final List<Integer> chunks = new ArrayList<>();
    private final List<ChannelGroup.Role> roles = new ArrayList<>();
    private final Map<String, Integer> byName = new LinkedHashMap<>();

    int add(String name, int channels, int chunkCount, ChannelGroup.Role role) {
      parent.add(parent.size());
      names.add(name);
      widths.add(channels);
      chunks.add(chunkCount);
      roles.add(role);
      byName.put(name, parent.size() - 1);
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
      chunks.set(root, lcm(chunks.get(root), chunks.get(child)));
    }

    void requireChunks(int i, int k) {
      int r = find(i);
      chunks.set(r, lcm(chunks.get(r), k));
    }

    /**
     * Links the sets that grouped convolutions read side by side: each linked class keeps one
     * chunk pattern, so its members get the same chunk size (the greatest common divisor of
     * theirs). Returns every root's pattern class, named by the class's earliest root.
     */
    Map<Integer, Integer> linkPatterns(List<List<Integer>> links) {
      Map<Integer, Integer> cls = new LinkedHashMap<>();
      for (int i = 0; i < size(); i++) {
        cls.putIfAbsent(find(i), find(i));
      }
      for (List<Integer> link : links) {
        int first = classOf(cls, find(link.get(0)));
        for (int set : link) {
          int other = classOf(cls, find(set));
          if (other != first) {
            cls.put(Math.max(first, other), Math.min(first, other));
            first = Math.min(first, other);
          }
        }
      }
      Map<Integer, Integer> size = new LinkedHashMap<>();
      for (int root : cls.keySet()) {
        size.merge(classOf(cls, root), widths.get(root) / chunks.get(root), ChannelGroups::gcd);
      }
      Map<Integer, Integer> out = new LinkedHashMap<>();
      for (int root : cls.keySet()) {
        int c = classOf(cls, root);
        chunks.set(root, widths.get(root) / size.get(c));
        out.put(root, c);
      }
      return out;
    }

    private static int classOf(Map<Integer, Integer> cls, int root) {
      int c = root;
      while (cls.get(c) != c) {
        c = cls.get(c);
      }
      return c;
    }

    void fix(int i, ChannelGroup.Role role) {
      int r = find(i);
      roles.set(r, stronger(roles.get(r), role));
    }

    private static ChannelGroup.Role stronger(ChannelGroup.Role a, ChannelGroup.Role b) {
      return a == ChannelGroup.Role.PRUNABLE ? b : a;
    }

    private static int lcm(int a, int b) {
      return a / gcd(a, b) * b;
    }

    String id(int i) {
      return names.get(find(i));
    }

    int indexOf(String id) {
      return byName.get(id);
    }

    int channels(int i) {
      return widths.get(find(i));
    }

    int chunks(int i) {
      return chunks.get(find(i));
    }

    ChannelGroup.Role role(int i) {
      return roles.get(find(i));
    }
  }
}
