package io.kebridge.models.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.kebridge.models.ModelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One named node of a {@link NetworkSpec}. Each layer names the layers it reads, declares the
 * channel counts it expects (so a spec can be checked without weights) and infers its output shape.
 *
 * <p>Code that treats layers differently by type implements {@link Visitor}: adding a layer type
 * adds a method there, so every such consumer fails to compile until it handles the new type.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Layer.Input.class, name = "input"),
  @JsonSubTypes.Type(value = Layer.Conv2d.class, name = "conv2d"),
  @JsonSubTypes.Type(value = Layer.BatchNorm.class, name = "batch_norm"),
  @JsonSubTypes.Type(value = Layer.Relu.class, name = "relu"),
  @JsonSubTypes.Type(value = Layer.Relu6.class, name = "relu6"),
  @JsonSubTypes.Type(value = Layer.MaxPool.class, name = "max_pool"),
  @JsonSubTypes.Type(value = Layer.AvgPool.class, name = "avg_pool"),
  @JsonSubTypes.Type(value = Layer.GlobalAvgPool.class, name = "global_avg_pool"),
  @JsonSubTypes.Type(value = Layer.Lrn.class, name = "lrn"),
  @JsonSubTypes.Type(value = Layer.Add.class, name = "add"),
  @JsonSubTypes.Type(value = Layer.Concat.class, name = "concat"),
  @JsonSubTypes.Type(value = Layer.Dropout.class, name = "dropout"),
  @JsonSubTypes.Type(value = Layer.Flatten.class, name = "flatten"),
  @JsonSubTypes.Type(value = Layer.Dense.class, name = "dense")
})
public sealed interface Layer {

  /** Unique name within the network ({@code layer3.1.conv2}). */
  String name();

  /** Names of the layers this one reads, in order. */
  List<String> inputs();

  /**
   * The output shape for the given input shapes.
   *
   * @throws ModelException naming this layer when the inputs do not fit
   */
  ActivationShape outputShape(List<ActivationShape> in);

  /** The parameter tensors this layer owns, in a fixed order. */
  @JsonIgnore
  default List<ParamSpec> params() {
    return List.of();
  }

  /** A copy of this layer with other input names (used by rewriting tools). */
  Layer withInputs(List<String> inputs);

  /** Calls the visitor's method for this layer's type. */
  <R> R accept(Visitor<R> visitor);

  /**
   * One method per layer type: the single dispatch point for code that handles layers by type
   * (graph builders, exporters, cost counting, channel grouping, reference forwards).
   */
  interface Visitor<R> {
    R visit(Input layer);

    R visit(Conv2d layer);

    R visit(BatchNorm layer);

    R visit(Relu layer);

    R visit(Relu6 layer);

    R visit(MaxPool layer);

    R visit(AvgPool layer);

    R visit(GlobalAvgPool layer);

    R visit(Lrn layer);

    R visit(Add layer);

    R visit(Concat layer);

    R visit(Dropout layer);

    R visit(Flatten layer);

    R visit(Dense layer);
  }

  private static ModelException error(String layer, String message) {
    return new ModelException(layer + ": " + message);
  }

  private static ActivationShape single(String layer, List<ActivationShape> in) {
    if (in.size() != 1) {
      throw error(layer, "expects exactly one input, gets " + in.size());
    }
    return in.get(0);
  }

  private static void requireName(String name) {
    if (name == null || name.isBlank()) {
      throw new ModelException("every layer needs a non-empty name");
    }
  }

  private static Padding uniformPadding(String layer, int padding) {
    if (padding < 0) {
      throw error(layer, "padding must be non-negative, got " + padding);
    }
    return Padding.of(padding);
  }

  private static String one(String layer, List<String> inputs) {
    if (inputs == null || inputs.size() != 1) {
      throw error(layer, "expects exactly one input layer, gets " + inputs);
    }
    return inputs.get(0);
  }

  /**
   * How many windows of {@code kernel} pixels with {@code stride} fit over {@code size} pixels
   * padded by {@code begin} and {@code end}. With {@code ceil} a last, partial window counts too,
   * as long as it starts inside the image or its leading padding (PyTorch's {@code ceil_mode} and
   * ONNX Runtime's rule).
   */
  private static int windows(String layer, String what, int size, int kernel, int stride,
      int begin, int end, boolean ceil) {
    long span = (long) size + begin + end - kernel;
    if (span < 0) {
      throw error(layer, what + " of size " + kernel + " with padding " + begin + "+" + end
          + " does not fit an input of " + size + " pixels");
    }
    long out = (ceil ? Math.floorDiv(span + stride - 1, stride) : Math.floorDiv(span, stride)) + 1;
    if (ceil && (out - 1) * stride >= (long) size + begin) {
      out--;
    }
    return (int) out;
  }

  /** The output map of a windowed layer: {@code channels} x the windows over H and W. */
  private static ActivationShape windowed(String layer, String what, ActivationShape x,
      int channels, int kernel, int stride, Padding p, boolean ceil) {
    return new ActivationShape(channels,
        windows(layer, what, x.height(), kernel, stride, p.top(), p.bottom(), ceil),
        windows(layer, what, x.width(), kernel, stride, p.left(), p.right(), ceil));
  }

  /**
   * {@code p} with the bottom and right sides grown by how far the last ceil-mode window reaches
   * past the padded input: the padding a floor-mode pooling needs to give the same windows.
   */
  private static Padding reach(String layer, ActivationShape x, int kernel, int stride, Padding p,
      boolean ceil) {
    if (!ceil) {
      return p;
    }
    int oh = windows(layer, "pooling window", x.height(), kernel, stride, p.top(), p.bottom(), true);
    int ow = windows(layer, "pooling window", x.width(), kernel, stride, p.left(), p.right(), true);
    int extraH = Math.max(0, (oh - 1) * stride + kernel - (x.height() + p.top() + p.bottom()));
    int extraW = Math.max(0, (ow - 1) * stride + kernel - (x.width() + p.left() + p.right()));
    return new Padding(p.top(), p.left(), p.bottom() + extraH, p.right() + extraW);
  }

  /** Checks a pooling window: positive sizes, and every side padded by less than the kernel. */
  private static void checkPool(String name, int kernel, int stride, Padding padding) {
    Objects.requireNonNull(padding, name + ": padding");
    if (kernel <= 0 || stride <= 0 || padding.max() >= kernel) {
      throw error(name, "needs kernel, stride > 0 and less padding than the kernel on every side,"
          + " got kernel=" + kernel + " stride=" + stride + " padding=" + padding);
    }
  }

  /** The network's image input: channels, height, width. */
  record Input(String name, ActivationShape shape) implements Layer {
    public Input {
      requireName(name);
      Objects.requireNonNull(shape, "shape");
    }

    @Override
    public List<String> inputs() {
      return List.of();
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      if (!in.isEmpty()) {
        throw error(name, "an input layer reads nothing");
      }
      return shape;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return this;
    }
  }

  /**
   * 2-D convolution with zero padding, weight {@code [out, in/groups, k, k]}. With {@code groups >
   * 1} the input and output channels are split into that many equal, consecutive groups and group
   * {@code g} of the output reads only group {@code g} of the input (PyTorch's and ONNX's
   * convention); {@code groups == inChannels} is a depthwise convolution.
   *
   * @param padding zeros around the image, the same on every side in most networks
   * @param groups the number of channel groups, 1 for an ordinary convolution
   * @param bias whether the layer has a bias vector (ResNet convolutions before batch-norm do not)
   */
  record Conv2d(
      String name,
      String input,
      int inChannels,
      int outChannels,
      int kernel,
      int stride,
      Padding padding,
      int groups,
      boolean bias)
      implements Layer {
    public Conv2d {
      requireName(name);
      Objects.requireNonNull(input, name + ": input");
      Objects.requireNonNull(padding, name + ": padding");
      if (inChannels <= 0 || outChannels <= 0 || kernel <= 0 || stride <= 0) {
        throw error(
            name,
            "channels, kernel and stride must be positive, got in="
                + inChannels
                + " out="
                + outChannels
                + " kernel="
                + kernel
                + " stride="
                + stride);
      }
      if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0) {
        throw error(
            name,
            "groups must be positive and divide both channel counts, got groups="
                + groups
                + " in="
                + inChannels
                + " out="
                + outChannels);
      }
    }

    /** A convolution padded alike on every side. */
    public Conv2d(
        String name,
        String input,
        int inChannels,
        int outChannels,
        int kernel,
        int stride,
        int padding,
        int groups,
        boolean bias) {
      this(name, input, inChannels, outChannels, kernel, stride, uniformPadding(name, padding),
          groups, bias);
    }

    /** An ordinary (ungrouped) convolution padded alike on every side. */
    public Conv2d(
        String name,
        String input,
        int inChannels,
        int outChannels,
        int kernel,
        int stride,
        int padding,
        boolean bias) {
      this(name, input, inChannels, outChannels, kernel, stride, padding, 1, bias);
    }

    /** Reads specs written before convolutions had groups: a missing {@code groups} is 1. */
    @JsonCreator
    static Conv2d fromJson(
        @JsonProperty("name") String name,
        @JsonProperty("input") String input,
        @JsonProperty("inChannels") int inChannels,
        @JsonProperty("outChannels") int outChannels,
        @JsonProperty("kernel") int kernel,
        @JsonProperty("stride") int stride,
        @JsonProperty("padding") Padding padding,
        @JsonProperty("groups") Integer groups,
        @JsonProperty("bias") boolean bias) {
      return new Conv2d(
          name, input, inChannels, outChannels, kernel, stride,
          padding == null ? Padding.NONE : padding, groups == null ? 1 : groups, bias);
    }

    /** True when every input channel has filters of its own ({@code groups == inChannels > 1}). */
    @JsonIgnore
    public boolean depthwise() {
      return groups > 1 && groups == inChannels;
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      ActivationShape x = single(name, in);
      if (x.channels() != inChannels) {
        throw error(name, "expects " + inChannels + " input channels, gets " + x.channels());
      }
      return windowed(name, "kernel", x, outChannels, kernel, stride, padding, false);
    }

    @Override
    public List<ParamSpec> params() {
      List<ParamSpec> p = new ArrayList<>();
      p.add(
          new ParamSpec(
              name + ".weight",
              name,
              ParamKind.CONV_WEIGHT,
              new int[] {outChannels, inChannels / groups, kernel, kernel}));
      if (bias) {
        p.add(new ParamSpec(name + ".bias", name, ParamKind.BIAS, new int[] {outChannels}));
      }
      return p;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new Conv2d(
          name, one(name, inputs), inChannels, outChannels, kernel, stride, padding, groups, bias);
    }

    /** A copy with other channel counts and groups (what a pruner or split plan narrows). */
    public Conv2d withChannels(int in, int out, int newGroups) {
      return new Conv2d(name, input, in, out, kernel, stride, padding, newGroups, bias);
    }

    /** A copy with or without a bias vector (what batch-norm folding adds). */
    public Conv2d withBias(boolean withBias) {
      return new Conv2d(name, input, inChannels, outChannels, kernel, stride, padding, groups,
          withBias);
    }
  }

  /**
   * Batch normalisation over channels with running statistics.
   *
   * @param momentum the weight of the new batch in the running average (PyTorch convention, 0.1)
   */
  record BatchNorm(String name, String input, int channels, double epsilon, double momentum)
      implements Layer {
    public BatchNorm {
      requireName(name);
      Objects.requireNonNull(input, name + ": input");
      if (channels <= 0 || !(epsilon > 0) || !(momentum > 0 && momentum <= 1)) {
        throw error(
            name,
            "needs channels > 0, epsilon > 0 and momentum in (0, 1], got channels="
                + channels
                + " epsilon="
                + epsilon
                + " momentum="
                + momentum);
      }
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      ActivationShape x = single(name, in);
      if (x.channels() != channels) {
        throw error(name, "expects " + channels + " input channels, gets " + x.channels());
      }
      return x;
    }

    @Override
    public List<ParamSpec> params() {
      int[] s = {channels};
      return List.of(
          new ParamSpec(name + ".weight", name, ParamKind.BN_GAMMA, s),
          new ParamSpec(name + ".bias", name, ParamKind.BN_BETA, s),
          new ParamSpec(name + ".running_mean", name, ParamKind.BN_MEAN, s),
          new ParamSpec(name + ".running_var", name, ParamKind.BN_VAR, s));
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new BatchNorm(name, one(name, inputs), channels, epsilon, momentum);
    }
  }

  /**
   * Rectified linear unit.
   *
   * @param functional true for an activation that the KE reference applies as a function rather
   *     than a module (DenseNet's head): it computes the same, but the reference profiler, and so
   *     the paper's Ops, do not count it
   */
  record Relu(
      String name,
      String input,
      @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean functional)
      implements Layer {
    public Relu {
      requireName(name);
      Objects.requireNonNull(input, name + ": input");
    }

    /** A ReLU module. */
    public Relu(String name, String input) {
      this(name, input, false);
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      return single(name, in);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new Relu(name, one(name, inputs), functional);
    }
  }

  /** {@code min(max(x, 0), 6)}: MobileNetV2's bounded activation. */
  record Relu6(String name, String input) implements Layer {
    public Relu6 {
      requireName(name);
      Objects.requireNonNull(input, name + ": input");
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      return single(name, in);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new Relu6(name, one(name, inputs));
    }
  }

  /**
   * Max pooling with a square window; padding counts as minus infinity.
   *
   * @param padding less than the kernel on every side, so every window sees the image
   * @param ceilMode whether a last, partial window at the bottom and right edge gives an output
   *     (PyTorch's {@code ceil_mode}; SqueezeNet and GoogLeNet pool this way)
   */
  record MaxPool(
      String name,
      String input,
      int kernel,
      int stride,
      Padding padding,
      @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean ceilMode)
      implements Layer {
    public MaxPool {
      requireName(name);
      Objects.requireNonNull(input, name + ": input");
      checkPool(name, kernel, stride, padding);
    }

    /** Max pooling padded alike on every side, without ceil mode. */
    public MaxPool(String name, String input, int kernel, int stride, int padding) {
      this(name, input, kernel, stride, uniformPadding(name, padding), false);
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      ActivationShape x = single(name, in);
      return windowed(name, "pooling window", x, x.channels(), kernel, stride, padding, ceilMode);
    }

    /**
     * The padding on an input of shape {@code in} that gives the same windows without ceil mode:
     * {@link #padding} with the bottom and right grown by the reach of a last, partial window.
     * Those extra pixels never count (the window's maximum ignores them; an average divides by
     * the positions inside {@link #padding} at most).
     */
    public Padding floorPadding(ActivationShape in) {
      return reach(name, in, kernel, stride, padding, ceilMode);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new MaxPool(name, one(name, inputs), kernel, stride, padding, ceilMode);
    }
  }

  /**
   * Average pooling with a square window over a zero-padded map (DenseNet's transitions,
   * Inception's branches, the 7x7 head of Caffe-style ResNets).
   *
   * @param padding less than the kernel on every side, so every window sees the image
   * @param countIncludePad whether padded positions count in the divisor (PyTorch's default, true)
   *     or only the positions inside the image do (ONNX's default). Either way the part of a
   *     ceil-mode window beyond the padding never counts.
   * @param ceilMode whether a last, partial window at the bottom and right edge gives an output
   */
  record AvgPool(
      String name,
      String input,
      int kernel,
      int stride,
      Padding padding,
      boolean countIncludePad,
      @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean ceilMode)
      implements Layer {
    public AvgPool {
      requireName(name);
      Objects.requireNonNull(input, name + ": input");
      checkPool(name, kernel, stride, padding);
    }

    /** Average pooling padded alike on every side, without ceil mode. */
    public AvgPool(
        String name, String input, int kernel, int stride, int padding, boolean countIncludePad) {
      this(name, input, kernel, stride, uniformPadding(name, padding), countIncludePad, false);
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      ActivationShape x = single(name, in);
      return windowed(name, "pooling window", x, x.channels(), kernel, stride, padding, ceilMode);
    }

    /**
     * The padding on an input of shape {@code in} that gives the same windows without ceil mode:
     * {@link #padding} with the bottom and right grown by the reach of a last, partial window.
     * Those extra pixels never count (the window's maximum ignores them; an average divides by
     * the positions inside {@link #padding} at most).
     */
    public Padding floorPadding(ActivationShape in) {
      return reach(name, in, kernel, stride, padding, ceilMode);
    }

    /**
     * The divisor of output position {@code out} along an axis of {@code size} pixels padded by
     * {@code begin} and {@code end}: the window's positions inside the image, or with {@code
     * countIncludePad} inside the padded image.
     */
    public int divisor(int out, int size, int begin, int end) {
      int start = out * stride - begin;
      int lo = countIncludePad ? -begin : 0;
      int hi = countIncludePad ? size + end : size;
      return Math.min(start + kernel, hi) - Math.max(start, lo);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new AvgPool(name, one(name, inputs), kernel, stride, padding, countIncludePad,
          ceilMode);
    }
  }

  /** Mean over the spatial dimensions: C x H x W to C x 1 x 1. */
  record GlobalAvgPool(String name, String input) implements Layer {
    public GlobalAvgPool {
      requireName(name);
      Objects.requireNonNull(input, name + ": input");
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      return new ActivationShape(single(name, in).channels(), 1, 1);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new GlobalAvgPool(name, one(name, inputs));
    }
  }

  /**
   * Local response normalisation across channels (AlexNet, GoogLeNet, CaffeNet), ONNX's {@code
   * LRN}: {@code y_c = x_c / (bias + alpha / size * sum_j x_j^2)^beta}, the sum over the {@code
   * size} channels centred on {@code c} that exist. It mixes neighbouring channels, so a network
   * with it keeps its KE masks, but a slim network cannot reproduce the fit hypothesis exactly
   * ({@link io.kebridge.models.split.ChannelPlan#slimSpec} refuses it).
   *
   * @param size the odd number of channels in each window
   */
  record Lrn(String name, String input, int size, double alpha, double beta, double bias)
      implements Layer {
    public Lrn {
      requireName(name);
      Objects.requireNonNull(input, name + ": input");
      if (size <= 0 || size % 2 == 0) {
        throw error(name, "needs an odd, positive window size (channels centred on each one), got "
            + size);
      }
      if (!(alpha >= 0) || !(beta >= 0) || !(bias > 0) || Double.isInfinite(alpha)
          || Double.isInfinite(beta) || Double.isInfinite(bias)) {
        throw error(name, "needs finite alpha >= 0, beta >= 0 and bias > 0, got alpha=" + alpha
            + " beta=" + beta + " bias=" + bias);
      }
    }

    /** How many channels on each side of a channel its window reaches. */
    @JsonIgnore
    public int radius() {
      return (size - 1) / 2;
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      return single(name, in);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new Lrn(name, one(name, inputs), size, alpha, beta, bias);
    }
  }

  /** Element-wise sum of two or more inputs of equal shape (the residual connection). */
  record Add(String name, List<String> inputs) implements Layer {
    public Add {
      requireName(name);
      if (inputs == null || inputs.size() < 2) {
        throw error(name, "an add needs at least two inputs, gets " + inputs);
      }
      inputs = List.copyOf(inputs);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      ActivationShape first = in.get(0);
      for (int i = 1; i < in.size(); i++) {
        if (!in.get(i).equals(first)) {
          throw error(
              name,
              "inputs "
                  + inputs.get(0)
                  + " ("
                  + first
                  + ") and "
                  + inputs.get(i)
                  + " ("
                  + in.get(i)
                  + ") have different shapes");
        }
      }
      return first;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new Add(name, inputs);
    }
  }

  /**
   * Concatenation of two or more inputs along the channel axis, in input order (DenseNet,
   * SqueezeNet, Inception). Every input has the same height and width.
   */
  record Concat(String name, List<String> inputs) implements Layer {
    public Concat {
      requireName(name);
      if (inputs == null || inputs.size() < 2) {
        throw error(name, "a concat needs at least two inputs, gets " + inputs);
      }
      inputs = List.copyOf(inputs);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      ActivationShape first = in.get(0);
      long channels = 0;
      for (int i = 0; i < in.size(); i++) {
        ActivationShape s = in.get(i);
        if (s.height() != first.height() || s.width() != first.width()) {
          throw error(
              name,
              "inputs "
                  + inputs.get(0)
                  + " ("
                  + first
                  + ") and "
                  + inputs.get(i)
                  + " ("
                  + s
                  + ") differ in height or width; a concat joins channels only");
        }
        channels += s.channels();
      }
      if (channels > Integer.MAX_VALUE) {
        throw error(name, "concatenates " + channels + " channels, too many");
      }
      return new ActivationShape((int) channels, first.height(), first.width());
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new Concat(name, inputs);
    }
  }

  /**
   * Dropout: the identity at inference; in training each element is zeroed with probability
   * {@code rate} and the rest scaled by {@code 1 / (1 - rate)}, from a seeded random stream.
   */
  record Dropout(String name, String input, double rate) implements Layer {
    public Dropout {
      requireName(name);
      Objects.requireNonNull(input, name + ": input");
      if (!(rate >= 0 && rate < 1)) {
        throw error(name, "needs a rate in [0, 1), got " + rate);
      }
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      return single(name, in);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new Dropout(name, one(name, inputs), rate);
    }
  }

  /** C x H x W to a feature vector of C*H*W, channel-major (NCHW order, as ONNX and PyTorch). */
  record Flatten(String name, String input) implements Layer {
    public Flatten {
      requireName(name);
      Objects.requireNonNull(input, name + ": input");
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      long n = single(name, in).elements();
      if (n > Integer.MAX_VALUE) {
        throw error(name, "flattened size " + n + " is too large");
      }
      return new ActivationShape((int) n, 1, 1);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new Flatten(name, one(name, inputs));
    }
  }

  /** Fully connected layer on a feature vector, weight {@code [out, in]}. */
  record Dense(String name, String input, int inFeatures, int outFeatures, boolean bias)
      implements Layer {
    public Dense {
      requireName(name);
      Objects.requireNonNull(input, name + ": input");
      if (inFeatures <= 0 || outFeatures <= 0) {
        throw error(
            name, "needs positive feature counts, got in=" + inFeatures + " out=" + outFeatures);
      }
    }

    @Override
    public List<String> inputs() {
      return List.of(input);
    }

    @Override
    public ActivationShape outputShape(List<ActivationShape> in) {
      ActivationShape x = single(name, in);
      if (x.height() != 1 || x.width() != 1) {
        throw error(name, "expects a feature vector, gets " + x + " (add a flatten or pooling)");
      }
      if (x.channels() != inFeatures) {
        throw error(name, "expects " + inFeatures + " input features, gets " + x.channels());
      }
      return new ActivationShape(outFeatures, 1, 1);
    }

    @Override
    public List<ParamSpec> params() {
      List<ParamSpec> p = new ArrayList<>();
      p.add(
          new ParamSpec(
              name + ".weight", name, ParamKind.DENSE_WEIGHT, new int[] {outFeatures, inFeatures}));
      if (bias) {
        p.add(new ParamSpec(name + ".bias", name, ParamKind.BIAS, new int[] {outFeatures}));
      }
      return p;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visit(this);
    }

    @Override
    public Layer withInputs(List<String> inputs) {
      return new Dense(name, one(name, inputs), inFeatures, outFeatures, bias);
    }
  }
}
