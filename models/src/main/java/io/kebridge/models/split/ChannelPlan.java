package io.kebridge.models.split;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which channels of every {@link ChannelGroup} are kept: the complete, validated decision from
 * which the KELS masks, the slim spec and the pruner's cut all follow, before any tensor is
 * touched. Any non-empty set of indices is accepted per prunable group (KELS takes a prefix of each
 * chunk, other selections need not), as long as every chunk of a group keeps the same channels;
 * fixed groups keep everything. Immutable.
 */
public final class ChannelPlan {
  private final ChannelGroups groups;
  private final Map<String, int[]> kept;
  private final Map<String, int[][]> slices;

  private ChannelPlan(ChannelGroups groups, Map<String, int[]> kept) {
    this.groups = groups;
    this.kept = Collections.unmodifiableMap(kept);
    Map<String, int[][]> s = new LinkedHashMap<>();
    ParamSlices visitor = new ParamSlices();
    for (Layer layer : groups.spec().layers()) {
      List<ParamSpec> params = layer.params();
      if (!params.isEmpty()) {
        int[] out = keptOutput(layer.name());
        int[] in = layer.accept(visitor);
        for (ParamSpec p : params) {
          s.put(p.name(), p.kind().maskable() ? new int[][] {out, in} : new int[][] {out});
        }
      }
    }
    this.slices = Collections.unmodifiableMap(s);
  }

  /** The plan that keeps every channel of every group (the dense network itself). */
  public static ChannelPlan keepAll(ChannelGroups groups) {
    return of(groups, Map.of());
  }

  /**
   * A plan keeping the given channel indices per group id; groups not named keep every channel.
   *
   * @throws ModelException for an unknown group, an empty, duplicated or out-of-range index set, a
   *     fixed group that would lose channels, chunks of a group that keep different channels, or a
   *     grouped convolution whose groups would keep different input channels
   */
  public static ChannelPlan of(ChannelGroups groups, Map<String, int[]> keptByGroup) {
    for (String id : keptByGroup.keySet()) {
      groups.group(id);
    }
    Map<String, int[]> kept = new LinkedHashMap<>();
    for (ChannelGroup g : groups.groups()) {
      int[] k = keptByGroup.get(g.id());
      kept.put(g.id(), k == null ? range(g.channels()) : check(g, k));
    }
    return new ChannelPlan(groups, kept);
  }

  /** A copy in which group {@code id} keeps {@code indices} (in any order). */
  public ChannelPlan withKept(String id, int... indices) {
    Map<String, int[]> k = new LinkedHashMap<>(kept);
    k.put(id, indices);
    return of(groups, k);
  }

  private static int[] check(ChannelGroup g, int[] indices) {
    int[] k = indices.clone();
    Arrays.sort(k);
    if (k.length == 0) {
      throw new ModelException("channel group " + g.id() + " would keep no channel; keep at "
          + "least one of its " + g.channels() + " channels");
    }
    for (int i = 0; i < k.length; i++) {
      if (k[i] < 0 || k[i] >= g.channels()) {
        throw new ModelException("channel group " + g.id() + " has " + g.channels()
            + " channels, cannot keep channel " + k[i]);
      }
      if (i > 0 && k[i] == k[i - 1]) {
        throw new ModelException("channel group " + g.id() + ": channel " + k[i]
            + " is listed twice");
      }
    }
    if (g.fixed() && k.length != g.channels()) {
      throw new ModelException("channel group " + g.id() + " is the "
          + (g.role() == ChannelGroup.Role.NETWORK_INPUT ? "network input" : "network output")
          + " and keeps all " + g.channels() + " channels, cannot keep only " + k.length);
    }
    if (g.chunks() > 1) {
      int size = g.chunkSize();
      int[] first = local(k, 0, size);
      for (int c = 1; c < g.chunks(); c++) {
        if (!Arrays.equals(first, local(k, c * size, size))) {
          throw new ModelException("channel group " + g.id() + " is read by a grouped "
              + "convolution as " + g.chunks() + " chunks of " + size + " channels, and every "
              + "chunk must keep the same channels; chunk 0 keeps " + ranges(first) + ", chunk "
              + c + " keeps " + ranges(local(k, c * size, size)));
        }
      }
    }
    return k;
  }

  /** The members of sorted {@code k} in {@code [from, from + size)}, shifted to start at 0. */
  private static int[] local(int[] k, int from, int size) {
    return Arrays.stream(k).filter(i -> i >= from && i < from + size).map(i -> i - from)
        .toArray();
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
   * Kept indices of {@code layer}'s output, ascending: channels for maps, features for vectors.
   * Slot by slot: a concatenation keeps the kept channels of each of its chunks, and each kept
   * channel of a flattened map keeps its whole run of features.
   */
  public int[] keptOutput(String layer) {
    List<Integer> out = new ArrayList<>();
    int offset = 0;
    for (ChannelSlot s : groups.layout(layer)) {
      int r = s.repeat();
      for (int c : kept.get(s.group())) {
        for (int j = 0; j < r; j++) {
          out.add(offset + c * r + j);
        }
      }
      offset += groups.group(s.group()).channels() * r;
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Number of kept channels (or features) of {@code layer}'s output. */
  public int keptWidth(String layer) {
    int n = 0;
    for (ChannelSlot s : groups.layout(layer)) {
      n += kept.get(s.group()).length * s.repeat();
    }
    return n;
  }

  /**
   * The kept indices of every axis of parameter {@code param}, in its canonical layout: axis 0 the
   * output channels (or features), and for conv and dense weights axis 1 the input channels (null
   * where the axis is kept whole: a depthwise filter's single input channel). For a grouped
   * convolution axis 1 holds the kept channels within one group, the same for every group. The
   * remaining axes (kernel rows and columns) are always whole.
   */
  public int[][] keptIndices(String param) {
    int[][] s = slices.get(param);
    if (s == null) {
      throw new ModelException("the network has no parameter named '" + param + "'");
    }
    return s.clone();
  }

  /**
   * The slim network's share of {@code weights} (the plan's network's): every parameter sliced to
   * its {@link #keptIndices}, in the network's parameter order.
   */
  public Weights cut(Weights weights) {
    List<Tensor> out = new ArrayList<>();
    for (ParamSpec p : groups.spec().params()) {
      out.add(weights.get(p.name()).select(keptIndices(p.name())));
    }
    return Weights.of(out);
  }

  /**
   * Why the slim network would not compute what the fit hypothesis computes inside the dense
   * network, when it would not: a layer that mixes neighbouring channels without weights (local
   * response normalisation) reads channels this plan drops. KE masks are still valid then; only
   * the cut is not. Empty when {@link #slimSpec} can be cut.
   */
  public Optional<String> slimProblem() {
    NetworkSpec spec = groups.spec();
    for (String mixer : groups.channelMixers()) {
      String input = spec.layer(mixer).inputs().get(0);
      for (ChannelSlot s : groups.layout(input)) {
        ChannelGroup g = groups.group(s.group());
        int k = kept.get(g.id()).length;
        if (k < g.channels()) {
          return Optional.of(mixer + " normalises each channel by its neighbours (local response"
              + " normalisation) and reads channel group " + g.id() + ", which keeps " + k
              + " of its " + g.channels() + " channels: the slim network would lose neighbours"
              + " the dense network's fit hypothesis still sees, so it cannot be cut out exactly");
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The slim network: the same layers and names with the kept widths (a depthwise convolution
   * keeps one group per kept channel), labelled {@code <architecture>-slim}.
   *
   * @throws ModelException when the slim network would not compute the fit hypothesis ({@link
   *     #slimProblem})
   */
  public NetworkSpec slimSpec() {
    NetworkSpec spec = groups.spec();
    Optional<String> problem = slimProblem();
    if (problem.isPresent()) {
      throw new ModelException("no slim network of " + spec.architecture() + ": "
          + problem.get());
    }
    List<Layer> slim = new ArrayList<>();
    Narrow narrow = new Narrow();
    for (Layer layer : spec.layers()) {
      slim.add(layer.accept(narrow));
    }
    try {
      return new NetworkSpec(spec.architecture() + "-slim", slim, spec.output());
    } catch (ModelException e) {
      throw new ModelException("the slim network of " + spec.architecture()
          + " does not validate: " + e.getMessage(), e);
    }
  }

  /**
   * The fit-hypothesis masks this plan implies for every conv and dense weight: entry {@code [o, i,
   * ...]} is 1 when output channel {@code o} and input channel {@code i} (within its group, for a
   * grouped convolution) are both kept.
   */
  public Map<String, Mask> masks() {
    Map<String, Mask> masks = new LinkedHashMap<>();
    for (ParamSpec p : groups.spec().params()) {
      if (!p.kind().maskable()) {
        continue;
      }
      int[] shape = p.shape();
      int inner = 1;
      for (int i = 2; i < shape.length; i++) {
        inner *= shape[i];
      }
      int[][] k = slices.get(p.name());
      int[] in = k[1] == null ? range(shape[1]) : k[1];
      byte[] bits = new byte[shape[0] * shape[1] * inner];
      for (int o : k[0]) {
        for (int i : in) {
          int base = (o * shape[1] + i) * inner;
          Arrays.fill(bits, base, base + inner, (byte) 1);
        }
      }
      masks.put(p.name(), new Mask(p.name(), shape, bits));
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
    return "ChannelPlan[" + groups.spec().architecture() + ", " + groups.groups().size()
        + " groups, keeps " + keep + " of " + total + " channels]";
  }

  /**
   * The kept input indices of a layer's weight (axis 1), or null when the axis stays whole. Only
   * layers with a weight are asked; the others answer null.
   */
  private final class ParamSlices implements Layer.Visitor<int[]> {
    @Override
    public int[] visit(Layer.Input l) {
      return null;
    }

    @Override
    public int[] visit(Layer.Conv2d c) {
      if (c.depthwise()) {
        return null;
      }
      int[] in = keptOutput(c.input());
      if (c.groups() == 1) {
        return in;
      }
      int perGroup = c.inChannels() / c.groups();
      int[] first = local(in, 0, perGroup);
      for (int g = 1; g < c.groups(); g++) {
        int[] other = local(in, g * perGroup, perGroup);
        if (!Arrays.equals(first, other)) {
          throw new ModelException(c.name() + ": a grouped convolution keeps the same input "
              + "channels in every group, but group 0 keeps " + ranges(first) + " and group " + g
              + " keeps " + ranges(other));
        }
      }
      return first;
    }

    @Override
    public int[] visit(Layer.BatchNorm l) {
      return null;
    }

    @Override
    public int[] visit(Layer.Relu l) {
      return null;
    }

    @Override
    public int[] visit(Layer.Relu6 l) {
      return null;
    }

    @Override
    public int[] visit(Layer.MaxPool l) {
      return null;
    }

    @Override
    public int[] visit(Layer.AvgPool l) {
      return null;
    }

    @Override
    public int[] visit(Layer.GlobalAvgPool l) {
      return null;
    }

    @Override
    public int[] visit(Layer.Lrn l) {
      return null;
    }

    @Override
    public int[] visit(Layer.Add l) {
      return null;
    }

    @Override
    public int[] visit(Layer.Concat l) {
      return null;
    }

    @Override
    public int[] visit(Layer.Dropout l) {
      return null;
    }

    @Override
    public int[] visit(Layer.Flatten l) {
      return null;
    }

    @Override
    public int[] visit(Layer.Dense d) {
      return keptOutput(d.input());
    }
  }

  /** Each layer at its kept widths. */
  private final class Narrow implements Layer.Visitor<Layer> {
    @Override
    public Layer visit(Layer.Input l) {
      return l;
    }

    @Override
    public Layer visit(Layer.Conv2d c) {
      int in = keptWidth(c.input());
      int groupsKept = c.groups() == 1 ? 1 : c.depthwise() ? in : c.groups();
      return c.withChannels(in, keptWidth(c.name()), groupsKept);
    }

    @Override
    public Layer visit(Layer.BatchNorm b) {
      return new Layer.BatchNorm(b.name(), b.input(), keptWidth(b.name()), b.epsilon(),
          b.momentum());
    }

    @Override
    public Layer visit(Layer.Relu l) {
      return l;
    }

    @Override
    public Layer visit(Layer.Relu6 l) {
      return l;
    }

    @Override
    public Layer visit(Layer.MaxPool l) {
      return l;
    }

    @Override
    public Layer visit(Layer.AvgPool l) {
      return l;
    }

    @Override
    public Layer visit(Layer.GlobalAvgPool l) {
      return l;
    }

    @Override
    public Layer visit(Layer.Lrn l) {
      return l;
    }

    @Override
    public Layer visit(Layer.Add l) {
      return l;
    }

    @Override
    public Layer visit(Layer.Concat l) {
      return l;
    }

    @Override
    public Layer visit(Layer.Dropout l) {
      return l;
    }

    @Override
    public Layer visit(Layer.Flatten l) {
      return l;
    }

    @Override
    public Layer visit(Layer.Dense d) {
      return new Layer.Dense(d.name(), d.input(), keptWidth(d.input()), keptWidth(d.name()),
          d.bias());
    }
  }
}
