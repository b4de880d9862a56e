package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.Padding;
import io.kebridge.models.weights.Tensor;
import io.kebridge.onnx.OnnxFormat;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the nodes of one ONNX graph, in dependency order, into ke-bridge layers and weights. Nodes
 * whose inputs are all known are folded ({@link ConstantFolder}); the others become layers, or fold
 * into the layer before or after them: a {@code Pad} into the padding of the convolution or
 * pooling that reads it, an {@code Add} of a constant into a bias, {@code Mul}/{@code Add}/{@code
 * Sub}/{@code Div} by per-channel constants into one batch-norm that computes that affine map
 * (Caffe2's folded batch-norm), {@code MatMul} and its {@code Add} into one dense layer, a final
 * {@code Softmax} or {@code LogSoftmax} into what the output means. A node that cannot be
 * expressed is recorded in {@link Refusals}, and so are its dependants, silently: the error lists
 * the causes, not their consequences.
 */
final class GraphMapper {
  /** Operators that become layers, or fold into a neighbouring layer. */
  static final Set<String> MAPPED = Set.of("Conv", "BatchNormalization", "Relu", "Clip",
      "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "Flatten",
      "Reshape", "Squeeze", "Unsqueeze", "Gemm", "MatMul", "Add", "Sum", "Sub", "Mul", "Div",
      "Concat", "LRN", "Pad", "Identity", "Dropout", "Softmax", "LogSoftmax", "Transpose");

  /** The most values one layer may hold per image: a file cannot ask for more. */
  static final long MAX_ACTIVATION = 1L << 28;

  /** The largest padding, stride or kernel a windowed layer may have. */
  private static final long MAX_WINDOW = 1 << 16;

  /** The epsilon of the batch-norms that stand for a per-channel affine map. */
  private static final double AFFINE_EPSILON = 1e-5;

  /**
   * What an ONNX activation value is in the network: the layer that computes it, its rank in ONNX
   * (4 for maps, 2 for vectors), a {@code Pad} not yet folded into the layer that reads it,
   * whether a final softmax was applied (then {@code logits} names the value before it), and
   * whether it is a channels-last image input that only a Transpose to NCHW may read.
   */
  record Act(String layer, int rank, Padding pad, float fill, OriginalModel.Head head,
      String logits, boolean channelsLast) {
    Act(String layer, int rank) {
      this(layer, rank, null, 0f, OriginalModel.Head.NONE, null, false);
    }
  }

  /** Thrown past a node whose input a refused node computes: it is skipped, not reported. */
  private static final class Skipped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Skipped() {
      super(null, null, false, false);
    }
  }

  private final GraphProto graph;
  private final long opset;
  private final ConstantFolder folder;
  private final Refusals refusals;
  private final long fixedBatch;
  private final Map<String, ConstTensor> constants = new HashMap<>();
  private final Map<String, Act> values = new HashMap<>();
  private final Set<String> skipped = new HashSet<>();
  private final Map<String, Integer> consumers = new HashMap<>();
  private final Set<String> graphOutputs = new HashSet<>();
  private final List<Layer> layers = new ArrayList<>();
  private final Map<String, ActivationShape> shapes = new HashMap<>();
  private final Map<String, Tensor> tensors = new LinkedHashMap<>();
  private final Set<String> nonNegative = new HashSet<>();
  private final Set<String> affine = new HashSet<>();
  /** The ONNX value each layer was made for: a later node may merge into it only through it. */
  private final Map<String, String> madeFor = new HashMap<>();
  private final Map<Integer, Ambiguous> ambiguousPools = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  private NodeProto node;
  private Attributes attrs;
  private int index;

  /**
   * @param constants the initializers (and nothing else), by name
   * @param fixedBatch the batch size the input fixes, or 0 for a dynamic batch
   */
  GraphMapper(GraphProto graph, long opset, ConstantFolder folder, Refusals refusals,
      Map<String, ConstTensor> constants, long fixedBatch) {
    this.graph = graph;
    this.opset = opset;
    this.folder = folder;
    this.refusals = refusals;
    this.fixedBatch = fixedBatch;
    this.constants.putAll(constants);
    for (NodeProto n : graph.getNodeList()) {
      for (String in : n.getInputList()) {
        consumers.merge(in, 1, Integer::sum);
      }
    }
    for (ValueInfoProto out : graph.getOutputList()) {
      consumers.merge(out.getName(), 1, Integer::sum);
      graphOutputs.add(out.getName());
    }
  }

  /**
   * The image input: the network's input layer.
   *
   * @param channelsLast whether the file takes NHWC images and transposes them to NCHW itself
   *     (what tf2onnx writes for Keras models)
   */
  void input(String value, ActivationShape shape, boolean channelsLast) {
    Layer.Input layer = new Layer.Input(OnnxFormat.INPUT, shape);
    layers.add(layer);
    shapes.put(layer.name(), shape);
    values.put(value, new Act(layer.name(), 4, null, 0f, OriginalModel.Head.NONE, null,
        channelsLast));
  }

  /** Maps every node, in {@code order}. */
  void mapAll(int[] order) {
    for (int i : order) {
      index = i;
      node = graph.getNode(i);
      attrs = new Attributes(node);
      String op = node.getOpType();
      String domain = node.getDomain();
      boolean standard = domain.isEmpty() || domain.equals("ai.onnx");
      if (!standard || !MAPPED.contains(op) && !ConstantFolder.OPS.contains(op)) {
        refusals.unknownOperator(GraphOrder.shortName(standard ? op : domain + "." + op),
            position());
        skip();
        continue;
      }
      try {
        precheck(op);
        mapNode(op);
      } catch (Skipped s) {
        skip();
      } catch (Refusal r) {
        refusals.add(op, r.reason(), position());
        skip();
      } catch (ModelException e) {
        // a layer that does not fit its input (a weight for other channels, a window too large)
        refusals.add(op, e.getMessage(), position());
        skip();
      } catch (IndexOutOfBoundsException | ArithmeticException | NegativeArraySizeException
          | IllegalArgumentException e) {
        // inputs that no valid file holds (found by corrupting files at random): refused, with
        // what went wrong, rather than a bare "Index: 0"
        refusals.add(op, "could not be read (" + e.getClass().getSimpleName() + ": "
            + e.getMessage() + "); the file is probably corrupt", position());
        skip();
      }
    }
  }

  private void skip() {
    for (String out : node.getOutputList()) {
      if (!out.isEmpty()) {
        skipped.add(out);
      }
    }
  }

  private String where() {
    return GraphOrder.describe(graph, index);
  }

  private String position() {
    return GraphOrder.position(graph, index);
  }

  private void mapNode(String op) {
    if (node.getOutputCount() == 0 || node.getOutput(0).isEmpty()) {
      throw new Refusal("has no output");
    }
    boolean anyActivation = false;
    for (String in : node.getInputList()) {
      if (in.isEmpty()) {
        continue;
      }
      if (skipped.contains(in)) {
        throw new Skipped();
      }
      anyActivation |= values.containsKey(in);
    }
    if (!anyActivation && ConstantFolder.OPS.contains(op)) {
      List<ConstTensor> in = new ArrayList<>();
      for (String name : node.getInputList()) {
        in.add(name.isEmpty() ? null : constants.get(name));
      }
      constants.put(node.getOutput(0), folder.fold(node, in));
      checkExtraOutputsUnused();
      return;
    }
    if (!anyActivation) {
      throw new Refusal("computes on constants only, which ke-bridge does not fold for this"
          + " operator");
    }
    switch (op) {
      case "Shape" -> shapeOfActivation();
      case "Conv" -> conv();
      case "BatchNormalization" -> batchNorm();
      case "Relu" -> relu();
      case "Clip" -> clip();
      case "MaxPool" -> maxPool();
      case "AveragePool" -> avgPool();
      case "GlobalAveragePool" -> produce(new Layer.GlobalAvgPool(name(null), act(0).layer()),
          4, nonNegative.contains(act(0).layer()));
      case "GlobalMaxPool" -> globalMaxPool();
      case "ReduceMean" -> reduceMean();
      case "Flatten" -> flatten();
      case "Reshape" -> reshape();
      case "Squeeze" -> squeeze();
      case "Unsqueeze" -> unsqueeze();
      case "Gemm" -> gemm();
      case "MatMul" -> matMul();
      case "Add" -> add(0, 1, false);
      case "Sum" -> sum();
      case "Sub" -> sub();
      case "Mul" -> mul();
      case "Div" -> div();
      case "Concat" -> concat();
      case "LRN" -> lrn();
      case "Pad" -> pad();
      case "Identity" -> alias(anyAct(0));
      case "Transpose" -> toChannelsFirst();
      case "Dropout" -> dropout();
      case "Softmax", "LogSoftmax" -> softmax(op);
      default -> throw new Refusal("is supported only on constants (here it computes on an"
          + " activation)");
    }
  }

  /**
   * The checks that need only the node's attributes, made even where an input is refused already,
   * so that a file with dilated convolutions everywhere is told how many there are.
   */
  private void precheck(String op) {
    switch (op) {
      case "Conv", "MaxPool", "AveragePool" -> {
        noDilation();
        square("strides", 1);
        if (attrs.has("kernel_shape") || !op.equals("Conv")) {
          poolKernel();
        }
        String auto = attrs.string("auto_pad", "NOTSET");
        if (!Set.of("", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER").contains(auto)) {
          throw new Refusal("has auto_pad " + auto);
        }
      }
      case "Gemm" -> {
        if (attrs.integer("transA", 0) != 0) {
          throw new Refusal("has transA=1: it reads its input as [features, batch], which a"
              + " network of ke-bridge (whose values are [batch, features]) cannot express");
        }
      }
      case "LRN" -> {
        long size = attrs.integer("size", 0);
        if (size <= 0 || size % 2 == 0 || size > MAX_WINDOW) {
          throw new Refusal("has size " + size + "; ke-bridge imports LRN over an odd number of"
              + " channels (a window centred on each channel)");
        }
      }
      case "Pad" -> {
        String mode = attrs.string("mode", "constant");
        if (!mode.equals("constant")) {
          throw new Refusal("pads in mode '" + mode + "'; ke-bridge folds constant padding only");
        }
      }
      case "BatchNormalization", "Dropout" -> {
        if (attrs.integer("training_mode", 0) != 0) {
          throw new Refusal("runs in training mode; export the model in inference (eval) mode");
        }
      }
      default -> {
        // the rest is checked while mapping
      }
    }
  }

  private void checkExtraOutputsUnused() {
    for (int i = 1; i < node.getOutputCount(); i++) {
      String out = node.getOutput(i);
      if (!out.isEmpty() && consumers.containsKey(out)) {
        throw new Refusal("has its output " + i + " in use");
      }
    }
  }

  // ---- inputs --------------------------------------------------------------------------------

  /** Input {@code i} as an activation with no pending Pad and no softmax applied. */
  private Act act(int i) {
    Act a = anyAct(i);
    if (a.pad() != null) {
      throw new Refusal("reads a Pad; ke-bridge folds a Pad only into the Conv, MaxPool or"
          + " AveragePool that reads it");
    }
    if (a.head() != OriginalModel.Head.NONE) {
      throw new Refusal("reads the output of a " + headName(a.head()) + "; ke-bridge imports"
          + " Softmax and LogSoftmax only at the end of the network");
    }
    return a;
  }

  private static String headName(OriginalModel.Head h) {
    return h == OriginalModel.Head.SOFTMAX ? "Softmax" : "LogSoftmax";
  }

  /** Input {@code i} as an activation, possibly padded or after a softmax. */
  private Act anyAct(int i) {
    if (node.getInputCount() <= i || node.getInput(i).isEmpty()) {
      throw new Refusal("lacks input " + i);
    }
    String in = node.getInput(i);
    Act a = values.get(in);
    if (a == null) {
      throw new Refusal("has a constant where an activation is expected");
    }
    if (a.channelsLast() && !node.getOpType().equals("Transpose")) {
      throw new Refusal("reads the channels-last (NHWC) image input directly; ke-bridge imports"
          + " an NHWC input read only through a Transpose to NCHW");
    }
    return a;
  }

  /** A padded input {@code i}, for the convolution or pooling it folds into. */
  private Act paddedAct(int i) {
    Act a = anyAct(i);
    if (a.head() != OriginalModel.Head.NONE) {
      return act(i);
    }
    return a;
  }

  private boolean isConstant(int i) {
    return node.getInputCount() > i && constants.containsKey(node.getInput(i));
  }

  private boolean present(int i) {
    return node.getInputCount() > i && !node.getInput(i).isEmpty();
  }

  /** Input {@code i} as a constant: a weight stored in the file or folded from constants. */
  private ConstTensor constant(int i, String what) {
    if (!present(i)) {
      throw new Refusal("lacks its " + what + " (input " + i + ")");
    }
    ConstTensor t = constants.get(node.getInput(i));
    if (t == null) {
      throw new Refusal("computes its " + what + " at run time; ke-bridge needs it stored in the"
          + " file or computed from constants");
    }
    return t;
  }

  private ActivationShape shapeOf(Act a) {
    return shapes.get(a.layer());
  }

  // ---- outputs -------------------------------------------------------------------------------

  private void produce(Layer layer, int rank, boolean nonNeg) {
    add(layer);
    values.put(node.getOutput(0), new Act(layer.name(), rank));
    madeFor.put(layer.name(), node.getOutput(0));
    if (nonNeg) {
      nonNegative.add(layer.name());
    }
    checkExtraOutputsUnused();
  }

  private void add(Layer layer) {
    List<ActivationShape> in = new ArrayList<>();
    for (String s : layer.inputs()) {
      in.add(shapes.get(s));
    }
    ActivationShape out = layer.outputShape(in);
    if (out.elements() > MAX_ACTIVATION) {
      throw new Refusal("would compute " + out.elements() + " values per image (" + out
          + "), more than ke-bridge imports (" + MAX_ACTIVATION + ")");
    }
    shapes.put(layer.name(), out);
    layers.add(layer);
  }

  /** Replaces a layer made earlier by a wider version of itself (a bias, an affine merged in). */
  private void replace(Layer updated) {
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i).name().equals(updated.name())) {
        layers.set(i, updated);
        return;
      }
    }
    throw new IllegalStateException("no layer " + updated.name());
  }

  private void alias(Act a) {
    values.put(node.getOutput(0), a);
    checkExtraOutputsUnused();
  }

  /**
   * Whether the node may merge into the layer that computes its input {@code a}: the layer was
   * made for exactly that value, which nothing else reads and the graph does not output.
   */
  private boolean mergeable(Act a, int input) {
    String value = node.getInput(input);
    return value.equals(madeFor.get(a.layer())) && consumers.getOrDefault(value, 0) == 1
        && !graphOutputs.contains(value);
  }

  private void put(String name, int[] shape, float[] data) {
    tensors.put(name, new Tensor(name, shape, data));
  }

  /** A unique layer name for the current node (see {@link LayerNames}). */
  private String name(String weightName) {
    return LayerNames.pick(weightName, node, index, shapes.keySet());
  }

  // ---- windows -------------------------------------------------------------------------------

  /** An attribute with the same value for height and width (strides, kernel_shape). */
  private int square(String name, long fallback) {
    long[] v = attrs.integers(name, new long[] {fallback, fallback});
    if (v.length != 2 || v[0] != v[1]) {
      throw new Refusal("has " + name + " " + Arrays.toString(v) + "; ke-bridge needs the same"
          + " value for height and width (2-D, square)");
    }
    if (v[0] < 1 || v[0] > MAX_WINDOW) {
      throw new Refusal("has " + name + " " + Arrays.toString(v));
    }
    return (int) v[0];
  }

  private void noDilation() {
    long[] d = attrs.integers("dilations", null);
    if (d != null) {
      for (long x : d) {
        if (x != 1) {
          throw new Refusal("has dilations " + Arrays.toString(d) + "; only 1 is supported");
        }
      }
    }
  }

  /** The node's own padding on an input map of shape {@code x}: pads or auto_pad. */
  private Padding padding(ActivationShape x, int kernel, int stride) {
    String auto = attrs.string("auto_pad", "NOTSET");
    switch (auto) {
      case "", "NOTSET" -> {
        long[] p = attrs.integers("pads", new long[] {0, 0, 0, 0});
        if (p.length != 4) {
          throw new Refusal("has pads " + Arrays.toString(p) + "; ke-bridge imports 2-D layers"
              + " (four pads)");
        }
        for (long v : p) {
          if (v < 0 || v > MAX_WINDOW) {
            throw new Refusal("has pads " + Arrays.toString(p));
          }
        }
        return new Padding((int) p[0], (int) p[1], (int) p[2], (int) p[3]);
      }
      case "VALID" -> {
        return Padding.NONE;
      }
      case "SAME_UPPER", "SAME_LOWER" -> {
        int[] h = same(x.height(), kernel, stride, auto.equals("SAME_UPPER"));
        int[] w = same(x.width(), kernel, stride, auto.equals("SAME_UPPER"));
        return new Padding(h[0], w[0], h[1], w[1]);
      }
      default -> throw new Refusal("has auto_pad " + auto);
    }
  }

  /** SAME padding along one axis: {@code ceil(size / stride)} outputs, the odd pixel at the end. */
  private static int[] same(int size, int kernel, int stride, boolean upper) {
    int out = (size + stride - 1) / stride;
    int total = Math.max(0, (out - 1) * stride + kernel - size);
    int small = total / 2;
    return upper ? new int[] {small, total - small} : new int[] {total - small, small};
  }

  // ---- operators -----------------------------------------------------------------------------

  private void shapeOfActivation() {
    Act x = anyAct(0);
    ActivationShape s = shapeOf(x);
    long b = fixedBatch > 0 ? fixedBatch : ConstTensor.BATCH;
    long[] dims = x.rank() == 4 ? new long[] {b, s.channels(), s.height(), s.width()}
        : new long[] {b, s.channels()};
    if (x.pad() != null) {
      dims[2] += x.pad().top() + x.pad().bottom();
      dims[3] += x.pad().left() + x.pad().right();
    }
    int r = dims.length;
    long start = attrs.integer("start", 0);
    long end = attrs.integer("end", r);
    int from = (int) Math.max(0, Math.min(r, start < 0 ? start + r : start));
    int to = (int) Math.max(from, Math.min(r, end < 0 ? end + r : end));
    long[] v = Arrays.copyOfRange(dims, from, to);
    constants.put(node.getOutput(0), ConstTensor.longs(node.getOutput(0),
        new long[] {v.length}, v));
  }

  /** The Transpose of a channels-last input to NCHW: the network's own input. */
  private void toChannelsFirst() {
    Act x = anyAct(0);
    long[] perm = attrs.integers("perm", null);
    if (!x.channelsLast() || !Arrays.equals(perm, new long[] {0, 3, 1, 2})) {
      throw new Refusal("transposes an activation (perm " + Arrays.toString(perm) + "); ke-bridge"
          + " imports only the Transpose of an NHWC image input to NCHW");
    }
    alias(new Act(x.layer(), 4));
  }

  private void conv() {
    Act x = paddedAct(0);
    if (x.rank() != 4) {
      throw new Refusal("needs an [N, C, H, W] input");
    }
    ConstTensor w = constant(1, "weight");
    long[] wd = w.dims();
    if (wd.length != 4) {
      throw new Refusal("has a " + (wd.length - 2) + "-D kernel " + Arrays.toString(wd)
          + "; ke-bridge imports 2-D convolutions");
    }
    if (wd[2] != wd[3]) {
      throw new Refusal("has a non-square kernel " + wd[2] + "x" + wd[3] + "; ke-bridge imports"
          + " square kernels only");
    }
    ActivationShape in = shapeOf(x);
    long group = attrs.integer("group", 1);
    if (group < 1 || wd[1] * group != in.channels() || wd[0] % group != 0) {
      throw new Refusal("has group=" + group + " and a weight " + Arrays.toString(wd)
          + " that do not fit its " + in.channels() + " input channels");
    }
    noDilation();
    int k = (int) wd[2];
    long[] ks = attrs.integers("kernel_shape", new long[] {k, k});
    if (ks.length != 2 || ks[0] != k || ks[1] != k) {
      throw new Refusal("has kernel_shape " + Arrays.toString(ks) + " that does not match its"
          + " weight " + Arrays.toString(wd));
    }
    int stride = square("strides", 1);
    Padding pad = padding(x.pad() == null ? in : padded(in, x.pad()), k, stride);
    if (x.pad() != null) {
      if (x.fill() != 0f) {
        throw new Refusal("reads a Pad with value " + x.fill() + "; a convolution pads with"
            + " zeros");
      }
      pad = pad.plus(x.pad());
    }
    boolean bias = present(2);
    int out = (int) wd[0];
    String name = name(w.name());
    Layer.Conv2d conv = new Layer.Conv2d(name, x.layer(), in.channels(), out, k, stride, pad,
        (int) group, bias);
    produce(conv, 4, false);
    put(name + ".weight", conv.params().get(0).shape(), w.floats());
    if (bias) {
      put(name + ".bias", new int[] {out}, vector(constant(2, "bias"), out));
    }
  }

  private float[] vector(ConstTensor t, int n) {
    if (t.size() != n) {
      throw new Refusal("has " + t.name() + " with " + t.size() + " values where " + n
          + " are expected");
    }
    return t.floats();
  }

  private void batchNorm() {
    Act x = act(0);
    if (attrs.integer("training_mode", 0) != 0) {
      throw new Refusal("runs in training mode; export the model in inference (eval) mode");
    }
    for (int i = 1; i < node.getOutputCount(); i++) {
      if (!node.getOutput(i).isEmpty() && consumers.containsKey(node.getOutput(i))) {
        throw new Refusal("has its running statistics outputs in use (training mode)");
      }
    }
    int c = shapeOf(x).channels();
    ConstTensor scale = constant(1, "scale");
    if (scale.size() != c) {
      throw new Refusal("has a scale of " + scale.size() + " values for " + c + " channels"
          + (attrs.integer("spatial", 1) == 0 ? " (spatial=0: statistics per position)" : ""));
    }
    // attributes are float32: read them as the decimal they were written from (1e-5, not
    // 9.99999974e-6), so that export and import give back the same spec
    double eps = Double.parseDouble(Float.toString(attrs.real("epsilon", 1e-5f)));
    if (!(eps > 0)) {
      throw new Refusal("has epsilon " + eps + "; it must be positive");
    }
    // ONNX's momentum weighs the old running value; ke-bridge's (PyTorch's) the new batch
    double momentum = BigDecimal.ONE
        .subtract(new BigDecimal(Float.toString(attrs.real("momentum", 0.9f))))
        .doubleValue();
    if (!(momentum > 0 && momentum <= 1)) {
      momentum = 0.1;
    }
    String name = name(scale.name());
    produce(new Layer.BatchNorm(name, x.layer(), c, eps, momentum), x.rank(), false);
    put(name + ".weight", new int[] {c}, scale.floats());
    put(name + ".bias", new int[] {c}, vector(constant(2, "bias"), c));
    put(name + ".running_mean", new int[] {c}, vector(constant(3, "mean"), c));
    put(name + ".running_var", new int[] {c}, vector(constant(4, "var"), c));
  }

  private void relu() {
    Act x = act(0);
    produce(new Layer.Relu(name(null), x.layer(),
        node.getDocString().equals(OnnxFormat.FUNCTIONAL_DOC)), x.rank(), true);
  }

  private void clip() {
    Act x = act(0);
    float lo;
    float hi;
    if (opset >= 11) {
      lo = bound(1, Float.NEGATIVE_INFINITY);
      hi = bound(2, Float.POSITIVE_INFINITY);
    } else {
      lo = attrs.real("min", -Float.MAX_VALUE);
      hi = attrs.real("max", Float.MAX_VALUE);
      lo = lo == -Float.MAX_VALUE ? Float.NEGATIVE_INFINITY : lo;
      hi = hi == Float.MAX_VALUE ? Float.POSITIVE_INFINITY : hi;
    }
    if (lo == 0f && hi == 6f) {
      produce(new Layer.Relu6(name(null), x.layer()), x.rank(), true);
    } else if (lo == 0f && hi == Float.POSITIVE_INFINITY) {
      produce(new Layer.Relu(name(null), x.layer()), x.rank(), true);
    } else {
      throw new Refusal("clips to [" + lo + ", " + hi + "]; only [0, 6] (ReLU6) and [0, inf)"
          + " (ReLU) are supported");
    }
  }

  private float bound(int i, float fallback) {
    if (!present(i)) {
      return fallback;
    }
    ConstTensor t = constant(i, i == 1 ? "min" : "max");
    if (t.size() != 1) {
      throw new Refusal("needs a scalar " + (i == 1 ? "min" : "max") + ", got " + t.size()
          + " values");
    }
    return t.floats()[0];
  }

  private int poolKernel() {
    if (!attrs.has("kernel_shape")) {
      throw new Refusal("has no kernel_shape");
    }
    long[] k = attrs.integers("kernel_shape", null);
    if (k.length == 2 && k[0] != k[1]) {
      throw new Refusal("has a non-square kernel " + k[0] + "x" + k[1] + "; ke-bridge imports"
          + " square kernels only");
    }
    return square("kernel_shape", 1);
  }

  private boolean ceilMode() {
    return attrs.integer("ceil_mode", 0) != 0;
  }

  /**
   * The spec's output shape of a pooling over an input of {@code in} padded explicitly by {@code
   * explicit} (a folded Pad) and by the node's own {@code own} padding: what ONNX computes.
   */
  private static ActivationShape onnxPooled(ActivationShape in, Padding explicit, int kernel,
      int stride, Padding own, boolean ceil) {
    ActivationShape padded = new ActivationShape(in.channels(),
        in.height() + explicit.top() + explicit.bottom(),
        in.width() + explicit.left() + explicit.right());
    return new Layer.MaxPool("onnx", "x", kernel, stride, own, ceil)
        .outputShape(List.of(padded));
  }

  /** Checks that a folded pooling keeps the windows (count and positions) of the ONNX node. */
  private void checkSameWindows(Layer pool, ActivationShape in, Padding explicit, int kernel,
      int stride, Padding own, boolean ceil) {
    ActivationShape onnx = onnxPooled(in, explicit, kernel, stride, own, ceil);
    ActivationShape spec = pool.outputShape(List.of(in));
    if (!onnx.equals(spec)) {
      throw new Refusal("reads a Pad whose padding changes how many ceil-mode windows fit"
          + " (" + onnx + " in ONNX, " + spec + " as one layer)");
    }
  }

  private void maxPool() {
    Act x = paddedAct(0);
    if (x.rank() != 4) {
      throw new Refusal("needs an [N, C, H, W] input");
    }
    noDilation();
    if (node.getOutputCount() > 1 && consumers.containsKey(node.getOutput(1))) {
      throw new Refusal("has its indices output in use");
    }
    ActivationShape in = shapeOf(x);
    int k = poolKernel();
    int stride = square("strides", 1);
    boolean ceil = ceilMode();
    Padding own = padding(x.pad() == null ? in : padded(in, x.pad()), k, stride);
    Padding pad = own;
    if (x.pad() != null) {
      boolean neutral = x.fill() == Float.NEGATIVE_INFINITY
          || x.fill() == 0f && nonNegative.contains(x.layer());
      if (!neutral) {
        throw new Refusal("reads a Pad with value " + x.fill() + "; max pooling pads with minus"
            + " infinity (or with zeros after a ReLU)");
      }
      pad = own.plus(x.pad());
    }
    Layer.MaxPool pool = new Layer.MaxPool(name(null), x.layer(), k, stride, pad, ceil);
    if (x.pad() != null) {
      checkSameWindows(pool, in, x.pad(), k, stride, own, ceil);
    }
    produce(pool, 4, nonNegative.contains(x.layer()));
  }

  private static ActivationShape padded(ActivationShape in, Padding p) {
    return new ActivationShape(in.channels(), in.height() + p.top() + p.bottom(),
        in.width() + p.left() + p.right());
  }

  /**
   * An average pooling, with a Pad before it folded in: the Pad's zeros are part of the image
   * the node averages, so they count in its divisor as padding that counts (countIncludePad);
   * the node's own padding then must either count too, or be only the bottom and right reach of
   * ceil-mode windows (how older torch.onnx wrote {@code ceil_mode}).
   */
  private void avgPool() {
    Act x = paddedAct(0);
    if (x.rank() != 4) {
      throw new Refusal("needs an [N, C, H, W] input");
    }
    noDilation();
    ActivationShape in = shapeOf(x);
    int k = poolKernel();
    int stride = square("strides", 1);
    boolean ceil = ceilMode();
    boolean countPad = attrs.integer("count_include_pad", 0) != 0;
    Padding own = padding(x.pad() == null ? in : padded(in, x.pad()), k, stride);
    boolean nonNeg = nonNegative.contains(x.layer());
    ActivationShape onnxIn = x.pad() == null ? in : padded(in, x.pad());
    if (countPad && ceil && opset < 19 && !new Layer.AvgPool("onnx", "x", k, stride, own, true,
        true).floorPadding(onnxIn).equals(own)) {
      ambiguousPools.put(index, new Ambiguous(onnxIn, own, k, stride));
      notes.add(where() + " averages ceil-mode windows with count_include_pad=1, which ONNX"
          + " Runtime before opset 19 divides by the whole kernel where they reach past the"
          + " padding; the import follows the ONNX definition (PyTorch's), and the check runs the"
          + " node as defined");
    }
    Layer.AvgPool pool;
    if (x.pad() == null) {
      pool = new Layer.AvgPool(name(null), x.layer(), k, stride, own, countPad, ceil);
    } else {
      if (x.fill() != 0f) {
        throw new Refusal("reads a Pad with value " + x.fill() + "; average pooling pads with"
            + " zeros");
      }
      Padding p = x.pad();
      if (countPad || own.none()) {
        pool = new Layer.AvgPool(name(null), x.layer(), k, stride, p.plus(own), true, ceil);
        checkSameWindows(pool, in, p, k, stride, own, ceil);
      } else if (own.top() == 0 && own.left() == 0 && !ceil) {
        // Pad + uncounted bottom/right padding: ceil-mode windows over the padded image
        pool = new Layer.AvgPool(name(null), x.layer(), k, stride, p, true, true);
        if (!pool.floorPadding(in).equals(p.plus(own))) {
          throw new Refusal("reads a Pad and pads the bottom and right by " + own + " without"
              + " counting it, which is neither ceil mode nor padding");
        }
      } else {
        throw new Refusal("reads a Pad and has its own leading padding " + own + " that does not"
            + " count (count_include_pad=0); the two paddings cannot be one layer");
      }
    }
    produce(pool, 4, nonNeg);
  }

  private void globalMaxPool() {
    Act x = act(0);
    ActivationShape s = shapeOf(x);
    if (x.rank() != 4 || s.height() != s.width()) {
      throw new Refusal("pools a " + s + " map; ke-bridge expresses a global max pool as a"
          + " square window");
    }
    produce(new Layer.MaxPool(name(null), x.layer(), s.height(), 1, 0), 4,
        nonNegative.contains(x.layer()));
  }

  private void reduceMean() {
    Act x = act(0);
    long[] axes = attrs.integers("axes", null);
    if (axes == null && present(1)) {
      axes = constant(1, "axes").longs();
    }
    Set<Long> got = new HashSet<>();
    for (long a : axes == null ? new long[0] : axes) {
      got.add(a < 0 ? a + 4 : a);
    }
    if (x.rank() != 4 || !got.equals(Set.of(2L, 3L))) {
      throw new Refusal("is supported only as a mean over H and W (axes [2, 3]) of an NCHW map,"
          + " got axes " + Arrays.toString(axes));
    }
    produce(new Layer.GlobalAvgPool(name(null), x.layer()),
        attrs.integer("keepdims", 1) == 0 ? 2 : 4, nonNegative.contains(x.layer()));
  }

  private void flatten() {
    Act x = anyAct(0);
    long axis = attrs.integer("axis", 1);
    if (axis != 1 && !(axis == -1 && x.rank() == 2) && !(axis == -3 && x.rank() == 4)) {
      throw new Refusal("has axis " + axis + "; ke-bridge flattens with axis 1 (keeping the"
          + " batch dimension)");
    }
    toVector(x);
  }

  /** A value as {@code [N, features]}: a map becomes a flatten layer, a vector stays itself. */
  private void toVector(Act x) {
    if (x.pad() != null) {
      act(0);
    }
    ActivationShape s = shapeOf(x);
    if (x.rank() == 2) {
      alias(x);
    } else if (x.head() != OriginalModel.Head.NONE) {
      if (s.height() != 1 || s.width() != 1) {
        act(0);
      }
      alias(new Act(x.layer(), 2, null, 0f, x.head(), x.logits(), false));
    } else {
      produce(new Layer.Flatten(name(null), x.layer()), 2, nonNegative.contains(x.layer()));
    }
  }

  /** True when {@code v}, a reshape target's first entry, keeps the batch dimension. */
  private boolean keepsBatch(long v) {
    return v == 0 || v == ConstTensor.BATCH || fixedBatch > 0 && v == fixedBatch;
  }

  private void reshape() {
    Act x = anyAct(0);
    long[] t = constant(1, "shape").longs();
    ActivationShape s = shapeOf(x);
    long features = s.elements();
    boolean allowZero = attrs.integer("allowzero", 0) != 0;
    String got = ConstTensor.longs("shape", new long[] {t.length}, t).describe();
    if (allowZero && Arrays.stream(t).anyMatch(v -> v == 0)) {
      throw new Refusal("reshapes to " + got + " with allowzero=1 (an empty tensor)");
    }
    if (t.length == 2 && (keepsBatch(t[0]) && (t[1] == features || t[1] == -1)
        || t[0] == -1 && t[1] == features)) {
      toVector(x);
      return;
    }
    if (t.length == 4 && (keepsBatch(t[0]) || t[0] == -1)) {
      long rest = 1;
      for (int i = 1; i < 4; i++) {
        rest *= t[i] == -1 ? 1 : t[i];
      }
      boolean same = t[1] == s.channels() && t[2] == s.height() && t[3] == s.width();
      boolean column = (t[1] == features || t[1] == -1) && t[2] == 1 && t[3] == 1;
      if (rest > 0 && (same || column && s.height() == 1 && s.width() == 1)) {
        Act a = act(0);
        alias(new Act(a.layer(), 4));
        return;
      }
    }
    throw new Refusal("reshapes " + describe(x) + " to " + got + "; ke-bridge imports a"
        + " reshape only as a flatten to [batch, features] (or one that changes nothing)");
  }

  private String describe(Act x) {
    ActivationShape s = shapeOf(x);
    return x.rank() == 4 ? "[N, " + s.channels() + ", " + s.height() + ", " + s.width() + "]"
        : "[N, " + s.channels() + "]";
  }

  /** Axes from the attribute (before opset 13) or input 1 (since). */
  private long[] axesInput() {
    long[] a = attrs.integers("axes", null);
    if (a == null && present(1)) {
      a = constant(1, "axes").longs();
    }
    return a;
  }

  private void squeeze() {
    Act x = anyAct(0);
    long[] axes = axesInput();
    ActivationShape s = shapeOf(x);
    Set<Long> got = new HashSet<>();
    for (long a : axes == null ? new long[] {2, 3} : axes) {
      got.add(a < 0 ? a + x.rank() : a);
    }
    if (x.rank() == 4 && s.height() == 1 && s.width() == 1 && got.equals(Set.of(2L, 3L))) {
      toVector(x);
      return;
    }
    throw new Refusal("squeezes axes " + Arrays.toString(axes) + " of " + describe(x)
        + "; ke-bridge imports only squeezing a 1x1 map to [batch, features]");
  }

  private void unsqueeze() {
    Act x = act(0);
    long[] axes = axesInput();
    Set<Long> got = new HashSet<>();
    for (long a : axes == null ? new long[0] : axes) {
      got.add(a < 0 ? a + 4 : a);
    }
    if (x.rank() == 2 && got.equals(Set.of(2L, 3L))) {
      alias(new Act(x.layer(), 4));
      return;
    }
    throw new Refusal("unsqueezes " + describe(x) + " at axes " + Arrays.toString(axes)
        + "; ke-bridge imports only [batch, features] to [batch, features, 1, 1]");
  }

  private Act vectorInput() {
    Act x = act(0);
    if (x.rank() != 2) {
      throw new Refusal("needs a [batch, features] input, got " + describe(x)
          + "; add a Flatten before it");
    }
    return x;
  }

  private void gemm() {
    Act x = vectorInput();
    if (attrs.integer("transA", 0) != 0) {
      throw new Refusal("has transA=1: it reads its input as [features, batch], which a network"
          + " of ke-bridge (whose values are [batch, features]) cannot express");
    }
    if (!isConstant(1)) {
      throw new Refusal("multiplies by a weight computed at run time");
    }
    ConstTensor b = constant(1, "weight");
    long[] bd = b.dims();
    if (bd.length != 2) {
      throw new Refusal("needs a 2-D weight, got " + Arrays.toString(bd));
    }
    boolean transB = attrs.integer("transB", 0) != 0;
    int in = (int) (transB ? bd[1] : bd[0]);
    int out = (int) (transB ? bd[0] : bd[1]);
    int features = shapeOf(x).channels();
    if (in != features) {
      throw new Refusal("has a weight " + Arrays.toString(bd) + (transB ? " (transposed)" : "")
          + " for " + in + " inputs, its input has " + features);
    }
    float alpha = attrs.real("alpha", 1f);
    float beta = attrs.real("beta", 1f);
    float[] w = b.floats();
    w = !transB ? transpose(w, in, out) : alpha != 1f ? w.clone() : w;
    if (alpha != 1f) {
      for (int i = 0; i < w.length; i++) {
        w[i] *= alpha;
      }
    }
    float[] bias = null;
    if (present(2) && beta != 0f) {
      bias = broadcastBias(constant(2, "bias C"), out).clone();
      for (int i = 0; i < out && beta != 1f; i++) {
        bias[i] *= beta;
      }
    }
    String name = name(b.name());
    produce(new Layer.Dense(name, x.layer(), in, out, bias != null), 2, false);
    put(name + ".weight", new int[] {out, in}, w);
    if (bias != null) {
      put(name + ".bias", new int[] {out}, bias);
    }
  }

  /** Gemm's C as one value per output: {@code [out]}, {@code [1, out]} or a scalar. */
  private float[] broadcastBias(ConstTensor c, int out) {
    long[] d = c.dims();
    boolean perOutput = c.size() == out && (d.length == 1 || d.length == 2 && d[0] == 1);
    if (perOutput) {
      return c.floats();
    }
    if (c.size() == 1) {
      float[] v = new float[out];
      Arrays.fill(v, c.floats()[0]);
      return v;
    }
    throw new Refusal("adds a C of shape " + Arrays.toString(d) + "; ke-bridge needs one value"
        + " per output (" + out + ")");
  }

  private static float[] transpose(float[] w, int rows, int cols) {
    float[] t = new float[w.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = w[r * cols + c];
      }
    }
    return t;
  }

  private void matMul() {
    Act x = vectorInput();
    if (!isConstant(1)) {
      throw new Refusal("multiplies by a weight computed at run time");
    }
    ConstTensor b = constant(1, "weight");
    long[] bd = b.dims();
    if (bd.length != 2 || bd[0] != shapeOf(x).channels()) {
      throw new Refusal("needs a 2-D weight [" + shapeOf(x).channels() + ", out], got "
          + Arrays.toString(bd));
    }
    String name = name(b.name());
    int in = (int) bd[0];
    int out = (int) bd[1];
    produce(new Layer.Dense(name, x.layer(), in, out, false), 2, false);
    put(name + ".weight", new int[] {out, in}, transpose(b.floats(), in, out));
  }

  /**
   * A constant that an activation {@code x} is combined with element-wise, as one value per
   * channel (per feature of a vector): it may span only the channel axis, or nothing (a scalar).
   */
  private float[] perChannel(ConstTensor c, Act x) {
    long[] d = c.dims();
    int channels = shapeOf(x).channels();
    int rank = x.rank();
    boolean ok = d.length <= rank;
    int channelAxis = d.length - (rank - 1); // the position of axis 1 after right-alignment
    for (int i = 0; ok && i < d.length; i++) {
      ok = d[i] == 1 || i == channelAxis && d[i] == channels;
    }
    if (!ok) {
      throw new Refusal("combines " + describe(x) + " with a constant of shape "
          + Arrays.toString(d) + "; ke-bridge imports constants that hold one value per channel");
    }
    float[] v = c.floats();
    if (v.length == channels) {
      return v.clone();
    }
    float[] all = new float[channels];
    Arrays.fill(all, v[0]);
    return all;
  }

  /**
   * {@code x * scale + shift} per channel: merged into the affine batch-norm that computes {@code
   * x} when it may be, otherwise a new batch-norm whose statistics make it that map (mean 0,
   * variance {@code 1 - eps}).
   */
  private void affine(Act x, int input, float[] scale, float[] shift) {
    int c = shapeOf(x).channels();
    if (affine.contains(x.layer()) && mergeable(x, input)) {
      String n = x.layer();
      float[] g = tensors.get(n + ".weight").data();
      float[] b = tensors.get(n + ".bias").data();
      for (int i = 0; i < c; i++) {
        g[i] *= scale[i];
        b[i] = b[i] * scale[i] + shift[i];
      }
      values.put(node.getOutput(0), x);
      madeFor.put(n, node.getOutput(0));
      return;
    }
    String name = name(null);
    produce(new Layer.BatchNorm(name, x.layer(), c, AFFINE_EPSILON, 0.1), x.rank(), false);
    affine.add(name);
    float[] mean = new float[c];
    float[] var = new float[c];
    Arrays.fill(var, (float) (1 - AFFINE_EPSILON));
    put(name + ".weight", new int[] {c}, scale);
    put(name + ".bias", new int[] {c}, shift);
    put(name + ".running_mean", new int[] {c}, mean);
    put(name + ".running_var", new int[] {c}, var);
  }

  private static float[] filled(int n, float v) {
    float[] a = new float[n];
    Arrays.fill(a, v);
    return a;
  }

  /** {@code Add}: two activations (a residual sum), or an activation and a constant (a bias). */
  private void add(int i, int j, boolean negateConstant) {
    if (node.getInputCount() != 2) {
      throw new Refusal("needs exactly two inputs");
    }
    boolean ci = isConstant(i);
    boolean cj = isConstant(j);
    if (!ci && !cj) {
      Act x = act(i);
      Act y = act(j);
      if (x.rank() != y.rank() || !shapeOf(x).equals(shapeOf(y))) {
        throw new Refusal("adds " + describe(x) + " and " + describe(y) + "; ke-bridge imports"
            + " sums of values of one shape (no broadcasting)");
      }
      produce(new Layer.Add(name(null), List.of(x.layer(), y.layer())), x.rank(),
          nonNegative.contains(x.layer()) && nonNegative.contains(y.layer()));
      return;
    }
    int a = ci ? j : i;
    Act x = act(a);
    float[] shift = perChannel(constant(ci ? i : j, "addend"), x);
    if (negateConstant) {
      for (int k = 0; k < shift.length; k++) {
        shift[k] = -shift[k];
      }
    }
    Layer producer = layer(x.layer());
    if (mergeable(x, a) && (producer instanceof Layer.Conv2d || producer instanceof Layer.Dense)) {
      addBias(producer, shift);
      values.put(node.getOutput(0), x);
      madeFor.put(producer.name(), node.getOutput(0));
      return;
    }
    affine(x, a, filled(shift.length, 1f), shift);
  }

  private Layer layer(String name) {
    for (int i = layers.size() - 1; i >= 0; i--) {
      if (layers.get(i).name().equals(name)) {
        return layers.get(i);
      }
    }
    throw new IllegalStateException("no layer " + name);
  }

  /** Adds {@code shift} to the bias of a convolution or dense layer (giving it one if needed). */
  private void addBias(Layer producer, float[] shift) {
    String biasName = producer.name() + ".bias";
    Tensor old = tensors.get(biasName);
    // a copy: the old bias may be a constant that other nodes read too
    float[] b = old == null ? new float[shift.length] : old.data().clone();
    for (int k = 0; k < b.length; k++) {
      b[k] += shift[k];
    }
    if (old == null) {
      replace(producer instanceof Layer.Conv2d c ? c.withBias(true)
          : new Layer.Dense(producer.name(), ((Layer.Dense) producer).input(),
              ((Layer.Dense) producer).inFeatures(), ((Layer.Dense) producer).outFeatures(),
              true));
    }
    put(biasName, new int[] {b.length}, b);
  }

  private void sum() {
    List<String> in = new ArrayList<>();
    Act first = null;
    for (int i = 0; i < node.getInputCount(); i++) {
      if (isConstant(i)) {
        if (node.getInputCount() == 2) {
          add(0, 1, false);
          return;
        }
        throw new Refusal("adds constants among " + node.getInputCount() + " inputs");
      }
      Act x = act(i);
      if (first != null && (x.rank() != first.rank() || !shapeOf(x).equals(shapeOf(first)))) {
        throw new Refusal("adds " + describe(first) + " and " + describe(x) + "; ke-bridge"
            + " imports sums of values of one shape (no broadcasting)");
      }
      first = first == null ? x : first;
      in.add(x.layer());
    }
    if (in.isEmpty()) {
      throw new Refusal("has no inputs");
    }
    if (in.size() == 1) {
      alias(first);
      return;
    }
    boolean nonNeg = in.stream().allMatch(nonNegative::contains);
    produce(new Layer.Add(name(null), in), first.rank(), nonNeg);
  }

  private void sub() {
    if (node.getInputCount() == 2 && isConstant(0) && !isConstant(1)) {
      // c - x = -x + c
      Act x = act(1);
      float[] c = perChannel(constant(0, "minuend"), x);
      affine(x, 1, filled(c.length, -1f), c);
      return;
    }
    if (node.getInputCount() == 2 && isConstant(1)) {
      add(0, 1, true);
      return;
    }
    throw new Refusal("subtracts two activations; ke-bridge imports subtracting constants only");
  }

  private void mul() {
    if (node.getInputCount() != 2 || isConstant(0) == isConstant(1)) {
      throw new Refusal("multiplies two activations (an attention gate?); ke-bridge imports"
          + " multiplying by constants only");
    }
    int a = isConstant(0) ? 1 : 0;
    Act x = act(a);
    float[] scale = perChannel(constant(1 - a, "factor"), x);
    affine(x, a, scale, new float[scale.length]);
  }

  private void div() {
    if (node.getInputCount() != 2 || !isConstant(1) || isConstant(0)) {
      throw new Refusal("divides " + (isConstant(0) ? "a constant by an activation"
          : "two activations") + "; ke-bridge imports dividing by constants only");
    }
    Act x = act(0);
    float[] d = perChannel(constant(1, "divisor"), x);
    for (int k = 0; k < d.length; k++) {
      d[k] = 1 / d[k];
    }
    affine(x, 0, d, new float[d.length]);
  }

  private void concat() {
    List<String> in = new ArrayList<>();
    Act first = null;
    for (int i = 0; i < node.getInputCount(); i++) {
      if (isConstant(i)) {
        throw new Refusal("joins a constant to activations");
      }
      Act v = act(i);
      if (first != null && v.rank() != first.rank()) {
        throw new Refusal("joins values of different ranks (" + first.rank() + " and "
            + v.rank() + ")");
      }
      first = first == null ? v : first;
      in.add(v.layer());
    }
    if (first == null) {
      throw new Refusal("has no inputs");
    }
    long axis = attrs.integer("axis", Long.MIN_VALUE);
    if (axis != 1 && axis != 1 - first.rank()) {
      throw new Refusal("joins along axis " + axis + "; ke-bridge imports concatenation along"
          + " channels (axis 1)");
    }
    if (in.size() == 1) {
      alias(first);
      return;
    }
    produce(new Layer.Concat(name(null), in), first.rank(),
        in.stream().allMatch(nonNegative::contains));
  }

  private void lrn() {
    Act x = act(0);
    if (x.rank() != 4) {
      throw new Refusal("needs an [N, C, H, W] input");
    }
    long size = attrs.integer("size", 0);
    if (size <= 0 || size % 2 == 0 || size > MAX_WINDOW) {
      throw new Refusal("has size " + size + "; ke-bridge imports LRN over an odd number of"
          + " channels (a window centred on each channel)");
    }
    double alpha = Double.parseDouble(Float.toString(attrs.real("alpha", 1e-4f)));
    double beta = Double.parseDouble(Float.toString(attrs.real("beta", 0.75f)));
    double bias = Double.parseDouble(Float.toString(attrs.real("bias", 1f)));
    produce(new Layer.Lrn(name(null), x.layer(), (int) size, alpha, beta, bias), 4,
        nonNegative.contains(x.layer()));
  }

  private void pad() {
    Act x = anyAct(0);
    if (x.head() != OriginalModel.Head.NONE) {
      act(0);
    }
    String mode = attrs.string("mode", "constant");
    if (!mode.equals("constant")) {
      throw new Refusal("pads in mode '" + mode + "'; ke-bridge folds constant padding only");
    }
    if (x.rank() != 4) {
      throw new Refusal("pads a [batch, features] value");
    }
    long[] pads;
    float value;
    if (opset < 11) {
      pads = attrs.integers("pads", null);
      value = attrs.real("value", 0f);
    } else {
      pads = constant(1, "pads").longs();
      value = present(2) ? constant(2, "constant_value").floats()[0] : 0f;
      if (present(3)) {
        long[] axes = constant(3, "axes").longs();
        long[] full = new long[8];
        for (int i = 0; i < axes.length; i++) {
          int ax = (int) (axes[i] < 0 ? axes[i] + 4 : axes[i]);
          if (ax < 0 || ax > 3 || pads.length != 2 * axes.length) {
            throw new Refusal("has axes " + Arrays.toString(axes) + " that do not fit its pads");
          }
          full[ax] = pads[i];
          full[ax + 4] = pads[i + axes.length];
        }
        pads = full;
      }
    }
    if (pads == null || pads.length != 8) {
      throw new Refusal("has pads " + Arrays.toString(pads) + "; ke-bridge needs eight, for an"
          + " [N, C, H, W] map");
    }
    for (long p : pads) {
      if (p < 0 || p > MAX_WINDOW) {
        throw new Refusal("has pads " + Arrays.toString(pads) + "; ke-bridge folds padding,"
            + " not cropping");
      }
    }
    if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0) {
      throw new Refusal("pads the batch or channel axis: " + Arrays.toString(pads));
    }
    Padding p = new Padding((int) pads[2], (int) pads[3], (int) pads[6], (int) pads[7]);
    if (p.none()) {
      alias(x);
      return;
    }
    if (x.pad() != null) {
      if (x.fill() != value) {
        throw new Refusal("pads with " + value + " after a Pad with " + x.fill());
      }
      p = p.plus(x.pad());
    }
    values.put(node.getOutput(0), new Act(x.layer(), 4, p, value, OriginalModel.Head.NONE,
        null, false));
  }

  private void dropout() {
    Act x = act(0);
    if (node.getOutputCount() > 1 && consumers.containsKey(node.getOutput(1))) {
      throw new Refusal("has its mask output in use");
    }
    double ratio;
    if (opset < 12) {
      ratio = attrs.real("ratio", 0.5f);
    } else {
      ratio = present(1) ? constant(1, "ratio").floats()[0] : 0.5;
      if (present(2) && constant(2, "training_mode").longs()[0] != 0) {
        throw new Refusal("runs in training mode; export the model in inference (eval) mode");
      }
    }
    ratio = Double.parseDouble(Float.toString((float) ratio));
    if (ratio == 0) {
      alias(x);
      return;
    }
    if (!(ratio > 0 && ratio < 1)) {
      throw new Refusal("has ratio " + ratio + "; a dropout rate lies in [0, 1)");
    }
    produce(new Layer.Dropout(name(null), x.layer(), ratio), x.rank(),
        nonNegative.contains(x.layer()));
  }

  private void softmax(String op) {
    Act x = act(0);
    ActivationShape s = shapeOf(x);
    long axis = attrs.integer("axis", opset < 13 ? 1 : -1);
    int a = (int) (axis < 0 ? axis + x.rank() : axis);
    boolean classes = a == 1 && (x.rank() == 2 || s.height() * s.width() == 1);
    if (!classes) {
      throw new Refusal("normalises along axis " + axis + " of " + describe(x) + "; ke-bridge"
          + " imports a final softmax over the classes");
    }
    OriginalModel.Head head = op.equals("Softmax") ? OriginalModel.Head.SOFTMAX
        : OriginalModel.Head.LOG_SOFTMAX;
    values.put(node.getOutput(0), new Act(x.layer(), x.rank(), null, 0f, head,
        node.getInput(0), false));
  }

  // ---- results -------------------------------------------------------------------------------

  List<Layer> layers() {
    return layers;
  }

  Map<String, Tensor> tensors() {
    return tensors;
  }

  /** What an ONNX value is, when it is an activation. */
  Act value(String name) {
    return values.get(name);
  }

  boolean isSkipped(String value) {
    return skipped.contains(value);
  }

  boolean isConstantValue(String value) {
    return constants.containsKey(value);
  }

  ActivationShape shape(String layer) {
    return shapes.get(layer);
  }

  /**
   * An average pool whose result ONNX Runtime computes by opset (ceil mode with
   * count_include_pad): its input map in ONNX, its own padding, kernel and stride.
   */
  record Ambiguous(ActivationShape in, Padding own, int kernel, int stride) {}

  /** The ambiguous average pools, by node index. */
  Map<Integer, Ambiguous> ambiguousPools() {
    return ambiguousPools;
  }

  List<String> notes() {
    return notes;
  }

  /** The initializers no node reads (ONNX Runtime warns about them; the importer logs them). */
  int unused(List<String> initializers) {
    int n = 0;
    for (String i : initializers) {
      if (!consumers.containsKey(i)) {
        n++;
      }
    }
    return n;
  }
}
