package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.Weights;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.OnnxFormat;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.graph.TensorProtos;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads an ONNX CNN made by ke-bridge or another stack (a torchvision ResNet exported by
 * torch.onnx, for example) into a {@link NetworkSpec} and weights. Supported operators: Conv (with
 * or without bias, grouped and depthwise), BatchNormalization, Relu, Clip as ReLU6 (or ReLU),
 * MaxPool, AveragePool, Add, Concat along channels, GlobalAveragePool or ReduceMean over H and W,
 * Flatten or Reshape to {@code [batch, features]}, Gemm or MatMul followed by Add, and the
 * pass-through Identity, Dropout, Constant and a final Softmax. Everything else is listed, with its
 * position, in one error before any work is done.
 *
 * <p>Layers are named after their weights where those follow PyTorch's naming ({@code
 * layer1.0.conv1.weight} gives layer {@code layer1.0.conv1}), so parameter names survive the trip.
 */
public final class OnnxImporter {
  /** Operators the importer turns into layers or passes through. */
  public static final Set<String> SUPPORTED =
      Set.of("Conv", "BatchNormalization", "Relu", "Clip", "MaxPool", "AveragePool", "Add",
          "Concat", "GlobalAveragePool", "ReduceMean", "Flatten", "Reshape", "Gemm", "MatMul",
          "Softmax", "Identity", "Dropout", "Constant");

  private OnnxImporter() {}

  /** Reads and converts an ONNX file. */
  public static ImportedModel read(Path file) {
    return convert(OnnxFiles.read(file), file.toString());
  }

  /**
   * Converts a parsed model.
   *
   * @param source what to call the model in errors (its file name)
   */
  public static ImportedModel convert(ModelProto model, String source) {
    try {
      return new Conversion(model, source).run();
    } catch (ModelException e) {
      throw new OnnxException(source + ": the graph does not form a valid network: "
          + e.getMessage(), e);
    }
  }

  /** A value flowing between nodes: the layer that produces it and its rank in ONNX (2 or 4). */
  private record Value(String layer, int rank) {}

  /** The state of one conversion: layers made so far and what each ONNX value maps to. */
  private static final class Conversion {
    private final ModelProto model;
    private final GraphProto graph;
    private final String source;
    private final Map<String, TensorProto> constants = new HashMap<>();
    private final Map<String, Value> values = new HashMap<>();
    private final Map<String, Integer> consumers = new HashMap<>();
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, ActivationShape> shapes = new HashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    /** Dense layers made from a MatMul, still waiting for the Add that carries their bias. */
    private final Set<String> biasless = new HashSet<>();
    private final Map<String, String> softmaxInput = new HashMap<>();
    private NodeProto node;
    private int index;

    Conversion(ModelProto model, String source) {
      this.model = model;
      this.graph = model.getGraph();
      this.source = source;
    }

    ImportedModel run() {
      checkOperators();
      for (TensorProto t : graph.getInitializerList()) {
        constants.put(t.getName(), t);
      }
      for (NodeProto n : graph.getNodeList()) {
        for (String in : n.getInputList()) {
          consumers.merge(in, 1, Integer::sum);
        }
      }
      for (ValueInfoProto out : graph.getOutputList()) {
        consumers.merge(out.getName(), 1, Integer::sum);
      }
      readInput();
      for (index = 0; index < graph.getNodeCount(); index++) {
        node = graph.getNode(index);
        convertNode();
      }
      String output = outputLayer();
      Map<String, String> meta = OnnxFiles.metadata(model);
      boolean ours = meta.keySet().stream().anyMatch(k -> k.startsWith(ModelCard.PREFIX));
      String arch = ours && !graph.getName().isEmpty() ? graph.getName() : "imported";
      NetworkSpec spec = new NetworkSpec(arch, layers, output);
      List<Tensor> ordered = new ArrayList<>();
      for (var p : spec.params()) {
        ordered.add(tensors.get(p.name()));
      }
      Weights weights = Weights.of(ordered);
      weights.checkMatches(spec);
      ModelCard card = null;
      if (ours) {
        try {
          card = ModelCard.fromMetadata(meta);
        } catch (ModelException e) {
          throw new OnnxException(source + ": the ke.* metadata is not a valid model card: "
              + e.getMessage(), e);
        }
      }
      return new ImportedModel(spec, weights, card);
    }

    private void checkOperators() {
      List<String> bad = new ArrayList<>();
      for (int i = 0; i < graph.getNodeCount(); i++) {
        NodeProto n = graph.getNode(i);
        String domain = n.getDomain();
        boolean standard = domain.isEmpty() || domain.equals("ai.onnx");
        if (!standard || !SUPPORTED.contains(n.getOpType())) {
          bad.add((standard ? "" : domain + ".") + n.getOpType() + " (node " + i
              + (n.getName().isEmpty() ? "" : " '" + n.getName() + "'") + ")");
        }
      }
      if (!bad.isEmpty()) {
        throw new OnnxException(
            source + " uses operators that ke-bridge cannot import: " + String.join(", ", bad)
                + "; supported are " + String.join(", ", new TreeSet<>(SUPPORTED)));
      }
    }

    private void readInput() {
      List<ValueInfoProto> inputs = new ArrayList<>();
      for (ValueInfoProto v : graph.getInputList()) {
        if (!constants.containsKey(v.getName())) {
          inputs.add(v);
        }
      }
      if (inputs.size() != 1) {
        throw new OnnxException(source + ": expected one image input, found "
            + inputs.stream().map(ValueInfoProto::getName).toList());
      }
      ValueInfoProto in = inputs.get(0);
      if (in.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
        throw new OnnxException(source + ": input " + in.getName() + " must be float32");
      }
      TensorShapeProto shape = in.getType().getTensorType().getShape();
      int[] dims = new int[shape.getDimCount()];
      for (int i = 1; i < dims.length; i++) {
        TensorShapeProto.Dimension d = shape.getDim(i);
        dims[i] = d.hasDimValue() ? (int) d.getDimValue() : -1;
      }
      if (dims.length != 4 || dims[1] <= 0 || dims[2] <= 0 || dims[3] <= 0) {
        throw new OnnxException(source + ": input " + in.getName()
            + " must be [batch, C, H, W] with fixed C, H and W, got " + describe(shape));
      }
      Layer.Input layer =
          new Layer.Input(OnnxFormat.INPUT, new ActivationShape(dims[1], dims[2], dims[3]));
      add(layer);
      values.put(in.getName(), new Value(layer.name(), 4));
    }

    private void convertNode() {
      switch (node.getOpType()) {
        case "Constant" -> constant();
        case "Conv" -> conv();
        case "BatchNormalization" -> batchNorm();
        case "Relu" -> produce(new Layer.Relu(name(null), activation(0).layer(),
            node.getDocString().equals(OnnxFormat.FUNCTIONAL_DOC)), activation(0).rank());
        case "Clip" -> clip();
        case "MaxPool" -> maxPool();
        case "AveragePool" -> avgPool();
        case "Concat" -> concat();
        case "GlobalAveragePool" -> produce(new Layer.GlobalAvgPool(name(null), activation(0).layer()), 4);
        case "ReduceMean" -> reduceMean();
        case "Flatten" -> flatten();
        case "Reshape" -> reshape();
        case "Gemm" -> gemm();
        case "MatMul" -> matMul();
        case "Add" -> add();
        case "Identity", "Dropout" -> alias(activation(0));
        case "Softmax" -> softmaxInput.put(node.getOutput(0), node.getInput(0));
        default -> throw unsupported("is not supported");
      }
    }

    private void constant() {
      AttributeProto value = attribute("value");
      if (value == null || !value.hasT()) {
        throw unsupported("is supported only with a tensor 'value'");
      }
      constants.put(node.getOutput(0), value.getT().toBuilder().setName(node.getOutput(0)).build());
    }

    private void conv() {
      Value x = activation(0);
      TensorProto w = constant(1, "weight");
      int[] ws = TensorProtos.shape(w);
      if (ws.length != 4 || ws[2] != ws[3]) {
        throw unsupported("needs a 2-D square kernel [out, in, k, k], got " + Arrays.toString(ws));
      }
      long group = intAttr("group", 1);
      int in = shapes.get(x.layer()).channels();
      if (group < 1 || (long) ws[1] * group != in) {
        throw unsupported("has group=" + group + " and a weight " + Arrays.toString(ws)
            + " that do not fit its " + in + " input channels");
      }
      checkAll("dilations", 1);
      checkAutoPad();
      int k = ws[2];
      long[] ks = ints("kernel_shape", new long[] {k, k});
      if (ks.length != 2 || ks[0] != k || ks[1] != k) {
        throw unsupported("has kernel_shape " + Arrays.toString(ks) + " that does not match its weight");
      }
      int stride = square("strides", 1);
      int pad = symmetricPad();
      boolean bias = node.getInputCount() > 2 && !node.getInput(2).isEmpty();
      String name = name(w.getName());
      produce(new Layer.Conv2d(name, x.layer(), in, ws[0], k, stride, pad, (int) group, bias), 4);
      put(name + ".weight", ws, TensorProtos.toFloats(w));
      if (bias) {
        put(name + ".bias", new int[] {ws[0]}, vector(constant(2, "bias"), ws[0]));
      }
    }

    private void batchNorm() {
      Value x = activation(0);
      if (intAttr("training_mode", 0) != 0) {
        throw unsupported("runs in training mode; export the model in inference (eval) mode");
      }
      for (int i = 1; i < node.getOutputCount(); i++) {
        if (!node.getOutput(i).isEmpty() && consumers.containsKey(node.getOutput(i))) {
          throw unsupported("has its running statistics outputs in use (training mode)");
        }
      }
      TensorProto scale = constant(1, "scale");
      int c = TensorProtos.shape(scale).length == 1 ? TensorProtos.shape(scale)[0] : -1;
      if (c <= 0) {
        throw unsupported("needs a 1-D scale");
      }
      // attributes are float32: read them as the decimal they were written from (1e-5, not
      // 9.99999974e-6), so that export and import give back the same spec
      double eps = Double.parseDouble(Float.toString(floatAttr("epsilon", 1e-5f)));
      // ONNX's momentum weighs the old running value; ke-bridge's (PyTorch's) the new batch
      double momentum = BigDecimal.ONE
          .subtract(new BigDecimal(Float.toString(floatAttr("momentum", 0.9f))))
          .doubleValue();
      if (!(momentum > 0 && momentum <= 1)) {
        momentum = 0.1;
      }
      String name = name(scale.getName());
      produce(new Layer.BatchNorm(name, x.layer(), c, eps, momentum), x.rank());
      put(name + ".weight", new int[] {c}, vector(scale, c));
      put(name + ".bias", new int[] {c}, vector(constant(2, "bias"), c));
      put(name + ".running_mean", new int[] {c}, vector(constant(3, "mean"), c));
      put(name + ".running_var", new int[] {c}, vector(constant(4, "var"), c));
    }

    private void maxPool() {
      Value x = activation(0);
      checkDefault("ceil_mode", 0);
      checkDefault("storage_order", 0);
      checkAll("dilations", 1);
      checkAutoPad();
      if (node.getOutputCount() > 1 && consumers.containsKey(node.getOutput(1))) {
        throw unsupported("has its indices output in use");
      }
      long[] ks = ints("kernel_shape", null);
      if (ks == null || ks.length != 2 || ks[0] != ks[1]) {
        throw unsupported("needs a square 2-D kernel_shape, got " + Arrays.toString(ks));
      }
      int k = (int) ks[0];
      int stride = square("strides", 1);
      int pad = symmetricPad();
      produce(new Layer.MaxPool(name(null), x.layer(), k, stride, pad), 4);
    }

    private void clip() {
      Value x = activation(0);
      float lo;
      float hi;
      if (node.getInputCount() > 1 || attribute("min") == null && attribute("max") == null) {
        // opset 11 and later: the bounds are optional inputs
        lo = bound(1, Float.NEGATIVE_INFINITY);
        hi = bound(2, Float.POSITIVE_INFINITY);
      } else {
        lo = floatAttr("min", Float.NEGATIVE_INFINITY);
        hi = floatAttr("max", Float.POSITIVE_INFINITY);
      }
      if (lo == 0f && hi == 6f) {
        produce(new Layer.Relu6(name(null), x.layer()), x.rank());
      } else if (lo == 0f && hi == Float.POSITIVE_INFINITY) {
        produce(new Layer.Relu(name(null), x.layer()), x.rank());
      } else {
        throw unsupported("clips to [" + lo + ", " + hi + "]; only [0, 6] (ReLU6) and [0, inf)"
            + " (ReLU) are supported");
      }
    }

    private float bound(int i, float fallback) {
      if (node.getInputCount() <= i || node.getInput(i).isEmpty()) {
        return fallback;
      }
      float[] v = TensorProtos.toFloats(constant(i, i == 1 ? "min" : "max"));
      if (v.length != 1) {
        throw unsupported("needs a scalar " + (i == 1 ? "min" : "max") + ", got " + v.length
            + " values");
      }
      return v[0];
    }

    private void avgPool() {
      Value x = activation(0);
      checkDefault("ceil_mode", 0);
      checkAll("dilations", 1);
      checkAutoPad();
      long[] ks = ints("kernel_shape", null);
      if (ks == null || ks.length != 2 || ks[0] != ks[1]) {
        throw unsupported("needs a square 2-D kernel_shape, got " + Arrays.toString(ks));
      }
      int stride = square("strides", 1);
      int pad = symmetricPad();
      boolean countPad = intAttr("count_include_pad", 0) != 0;
      produce(new Layer.AvgPool(name(null), x.layer(), (int) ks[0], stride, pad, countPad), 4);
    }

    private void concat() {
      List<String> in = new ArrayList<>();
      int rank = -1;
      for (int i = 0; i < node.getInputCount(); i++) {
        Value v = activation(i);
        if (rank >= 0 && v.rank() != rank) {
          throw unsupported("joins values of different ranks (" + rank + " and " + v.rank() + ")");
        }
        rank = v.rank();
        in.add(v.layer());
      }
      long axis = intAttr("axis", Long.MIN_VALUE);
      if (axis != 1 && axis != 1 - rank) {
        throw unsupported("is supported only along channels (axis 1), got axis " + axis);
      }
      if (in.size() == 1) {
        alias(activation(0));
      } else {
        produce(new Layer.Concat(name(null), in), rank);
      }
    }

    private void reduceMean() {
      Value x = activation(0);
      long[] axes = ints("axes", null);
      if (axes == null && node.getInputCount() > 1 && !node.getInput(1).isEmpty()) {
        axes = TensorProtos.toLongs(constant(1, "axes"));
      }
      Set<Long> got = new HashSet<>();
      for (long a : axes == null ? new long[0] : axes) {
        got.add(a < 0 ? a + 4 : a);
      }
      if (x.rank() != 4 || !got.equals(Set.of(2L, 3L))) {
        throw unsupported("is supported only as a mean over H and W (axes [2, 3]) of an NCHW map,"
            + " got axes " + Arrays.toString(axes));
      }
      long keep = intAttr("keepdims", 1);
      produce(new Layer.GlobalAvgPool(name(null), x.layer()), keep == 0 ? 2 : 4);
    }

    private void flatten() {
      Value x = activation(0);
      if (intAttr("axis", 1) != 1) {
        throw unsupported("is supported only with axis 1 (keep the batch dimension)");
      }
      toVector(x);
    }

    private void reshape() {
      Value x = activation(0);
      long[] target = TensorProtos.toLongs(constant(1, "shape"));
      long features = shapes.get(x.layer()).elements();
      boolean flat = target.length == 2
          && (target[1] == -1 || target[1] == features)
          && (target[0] == 0 || target[0] == -1 && target[1] == features || target[0] == 1);
      if (!flat) {
        throw unsupported("is supported only as a flatten to [batch, " + features + "], got "
            + Arrays.toString(target));
      }
      toVector(x);
    }

    private void toVector(Value x) {
      if (x.rank() == 2) {
        alias(x);
      } else {
        produce(new Layer.Flatten(name(null), x.layer()), 2);
      }
    }

    private void gemm() {
      Value x = activation(0);
      if (x.rank() != 2) {
        throw unsupported("needs a [batch, features] input; add a Flatten before it");
      }
      if (floatAttr("alpha", 1f) != 1f || floatAttr("beta", 1f) != 1f || intAttr("transA", 0) != 0) {
        throw unsupported("is supported only with alpha 1, beta 1 and transA 0");
      }
      TensorProto b = constant(1, "weight");
      int[] bs = TensorProtos.shape(b);
      if (bs.length != 2) {
        throw unsupported("needs a 2-D weight, got " + Arrays.toString(bs));
      }
      boolean transB = intAttr("transB", 0) != 0;
      float[] w = TensorProtos.toFloats(b);
      int out = transB ? bs[0] : bs[1];
      int in = transB ? bs[1] : bs[0];
      if (!transB) {
        w = transpose(w, bs[0], bs[1]);
      }
      boolean bias = node.getInputCount() > 2 && !node.getInput(2).isEmpty();
      String name = name(b.getName());
      produce(new Layer.Dense(name, x.layer(), in, out, bias), 2);
      put(name + ".weight", new int[] {out, in}, w);
      if (bias) {
        put(name + ".bias", new int[] {out}, vector(constant(2, "bias"), out));
      }
    }

    private void matMul() {
      Value x = activation(0);
      if (x.rank() != 2) {
        throw unsupported("needs a [batch, features] input; add a Flatten before it");
      }
      TensorProto b = constant(1, "weight");
      int[] bs = TensorProtos.shape(b);
      if (bs.length != 2) {
        throw unsupported("needs a 2-D weight [in, out], got " + Arrays.toString(bs));
      }
      String name = name(b.getName());
      produce(new Layer.Dense(name, x.layer(), bs[0], bs[1], false), 2);
      put(name + ".weight", new int[] {bs[1], bs[0]}, transpose(TensorProtos.toFloats(b), bs[0], bs[1]));
      if (consumers.getOrDefault(node.getOutput(0), 0) == 1) {
        biasless.add(name);
      }
    }

    private void add() {
      if (node.getInputCount() != 2) {
        throw unsupported("needs exactly two inputs");
      }
      String a = node.getInput(0);
      String b = node.getInput(1);
      boolean aConst = constants.containsKey(a);
      boolean bConst = constants.containsKey(b);
      if (aConst || bConst) {
        Value x = aConst ? activation(1) : activation(0);
        if (aConst == bConst || !biasless.remove(x.layer())) {
          throw unsupported("adds a constant; only the bias of a MatMul (MatMul + Add) is supported");
        }
        Layer.Dense d = (Layer.Dense) layers.get(layers.size() - 1);
        if (!d.name().equals(x.layer())) {
          throw unsupported("adds a bias to " + x.layer() + " after other layers");
        }
        layers.set(layers.size() - 1,
            new Layer.Dense(d.name(), d.input(), d.inFeatures(), d.outFeatures(), true));
        TensorProto bias = constants.get(aConst ? a : b);
        put(d.name() + ".bias", new int[] {d.outFeatures()}, vector(bias, d.outFeatures()));
        alias(x);
        return;
      }
      Value x = activation(0);
      Value y = activation(1);
      if (x.rank() != y.rank()) {
        throw unsupported("adds values of different ranks (" + x.rank() + " and " + y.rank() + ")");
      }
      produce(new Layer.Add(name(null), List.of(x.layer(), y.layer())), x.rank());
    }

    private String outputLayer() {
      if (graph.getOutputCount() == 0) {
        throw new OnnxException(source + ": the graph has no outputs");
      }
      String out = graph.getOutput(0).getName();
      for (ValueInfoProto o : graph.getOutputList()) {
        if (o.getName().equals(OnnxFormat.LOGITS)) {
          out = o.getName();
        }
      }
      String logits = softmaxInput.getOrDefault(out, out);
      Value v = values.get(logits);
      if (v == null) {
        throw new OnnxException(source + ": output " + out + " is not computed by the supported"
            + " layers (it reads " + logits + ")");
      }
      return v.layer();
    }

    // ---- helpers -------------------------------------------------------------------------

    private void produce(Layer layer, int rank) {
      add(layer);
      values.put(node.getOutput(0), new Value(layer.name(), rank));
    }

    private void add(Layer layer) {
      List<ActivationShape> in = new ArrayList<>();
      for (String s : layer.inputs()) {
        in.add(shapes.get(s));
      }
      ActivationShape out;
      try {
        out = layer.outputShape(in);
      } catch (ModelException e) {
        throw new OnnxException(where() + ": " + e.getMessage(), e);
      }
      shapes.put(layer.name(), out);
      layers.add(layer);
    }

    private void alias(Value v) {
      values.put(node.getOutput(0), v);
    }

    /** A layer name: from a PyTorch-style weight name, else the node's name, else its output. */
    private String name(String weightName) {
      String base = null;
      if (weightName != null && weightName.endsWith(".weight") && weightName.length() > 7) {
        base = weightName.substring(0, weightName.length() - 7);
      }
      if (base == null || shapes.containsKey(base)) {
        base = node.getName().isEmpty() ? node.getOutput(0) : node.getName();
      }
      // TensorFlow names variables after layers and accepts only [A-Za-z0-9.][A-Za-z0-9_.-]* (a
      // slash would open a name scope); exporters write names such as "/layer1/conv/Conv" (what
      // torch.onnx emits) or "onnx::Relu_7"
      base = base.replaceAll("[^A-Za-z0-9_.-]", "_").replaceAll("^[^A-Za-z0-9.]+", "");
      if (base.isEmpty()) {
        base = "layer" + index;
      }
      String name = base;
      // Every layer added so far, the input included, has its shape recorded under its name.
      for (int i = 2; shapes.containsKey(name); i++) {
        name = base + "_" + i;
      }
      return name;
    }

    private Value activation(int i) {
      if (node.getInputCount() <= i || node.getInput(i).isEmpty()) {
        throw unsupported("lacks input " + i);
      }
      Value v = values.get(node.getInput(i));
      if (v == null) {
        throw unsupported(constants.containsKey(node.getInput(i))
            ? "has a constant where an activation is expected (" + node.getInput(i) + ")"
            : "reads " + node.getInput(i) + ", which no supported node computes before it");
      }
      return v;
    }

    private TensorProto constant(int i, String what) {
      if (node.getInputCount() <= i || node.getInput(i).isEmpty()) {
        throw unsupported("lacks its " + what + " (input " + i + ")");
      }
      TensorProto t = constants.get(node.getInput(i));
      if (t == null) {
        throw unsupported("computes its " + what + " (" + node.getInput(i)
            + ") at run time; only weights stored in the file are supported");
      }
      return t;
    }

    private void put(String name, int[] shape, float[] data) {
      try {
        tensors.put(name, new Tensor(name, shape, data));
      } catch (IllegalArgumentException e) {
        throw new OnnxException(where() + ": " + e.getMessage(), e);
      }
    }

    private float[] vector(TensorProto t, int n) {
      float[] v = TensorProtos.toFloats(t);
      if (v.length != n) {
        throw unsupported("has " + t.getName() + " with " + v.length + " values, expected " + n);
      }
      return v;
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

    private AttributeProto attribute(String name) {
      for (AttributeProto a : node.getAttributeList()) {
        if (a.getName().equals(name)) {
          return a;
        }
      }
      return null;
    }

    private long intAttr(String name, long fallback) {
      AttributeProto a = attribute(name);
      return a == null ? fallback : a.getI();
    }

    private float floatAttr(String name, float fallback) {
      AttributeProto a = attribute(name);
      return a == null ? fallback : a.getF();
    }

    private long[] ints(String name, long[] fallback) {
      AttributeProto a = attribute(name);
      if (a == null) {
        return fallback;
      }
      long[] v = new long[a.getIntsCount()];
      for (int i = 0; i < v.length; i++) {
        v[i] = a.getInts(i);
      }
      return v;
    }

    private void checkDefault(String name, long expected) {
      long v = intAttr(name, expected);
      if (v != expected) {
        throw unsupported("has " + name + "=" + v + "; only " + expected + " is supported");
      }
    }

    private void checkAll(String name, long expected) {
      long[] v = ints(name, null);
      if (v != null) {
        for (long x : v) {
          if (x != expected) {
            throw unsupported("has " + name + " " + Arrays.toString(v) + "; only " + expected
                + " is supported");
          }
        }
      }
    }

    private void checkAutoPad() {
      AttributeProto a = attribute("auto_pad");
      String v = a == null ? "NOTSET" : a.getS().toStringUtf8();
      if (!v.equals("NOTSET") && !v.equals("VALID") && !v.isEmpty()) {
        throw unsupported("has auto_pad=" + v + "; give explicit pads");
      }
    }

    private int square(String name, int fallback) {
      long[] v = ints(name, new long[] {fallback, fallback});
      if (v.length != 2 || v[0] != v[1]) {
        throw unsupported("needs equal " + name + " for H and W, got " + Arrays.toString(v));
      }
      return (int) v[0];
    }

    private int symmetricPad() {
      long[] p = ints("pads", new long[] {0, 0, 0, 0});
      if (p.length != 4 || p[0] != p[1] || p[0] != p[2] || p[0] != p[3]) {
        throw unsupported("needs the same padding on every side, got " + Arrays.toString(p));
      }
      return (int) p[0];
    }

    private String where() {
      return source + ": node " + index + " (" + node.getOpType()
          + (node.getName().isEmpty() ? "" : " '" + node.getName() + "'") + ")";
    }

    private OnnxException unsupported(String why) {
      return new OnnxException(where() + " " + why);
    }

    private static String describe(TensorShapeProto shape) {
      List<String> d = new ArrayList<>();
      for (TensorShapeProto.Dimension x : shape.getDimList()) {
        d.add(x.hasDimValue() ? Long.toString(x.getDimValue()) : x.getDimParam());
      }
      return d.toString();
    }
  }
}
