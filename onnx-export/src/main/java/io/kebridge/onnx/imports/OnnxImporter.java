package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.Padding;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.Weights;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.OnnxFormat;
import io.kebridge.onnx.graph.GraphBuilder;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.graph.TensorProtos;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an ONNX CNN made by ke-bridge or another stack (torch.onnx at any opset, the ONNX model
 * zoo's Caffe2 and MXNet exports, tf2onnx) into a {@link NetworkSpec} and weights.
 *
 * <p>Files of IR versions 3 to 10 and opsets 7 to 21 are read: weights stored as initializers
 * (also where IR 3 lists them as graph inputs) or computed from them, every constant subgraph
 * folded first ({@link ConstantFolder}), then the remaining nodes mapped to layers ({@link
 * GraphMapper}): Conv (grouped, depthwise, any padding), BatchNormalization in every opset form,
 * Relu, Clip as ReLU6, MaxPool and AveragePool (ceil mode, padding by side, a Pad before them
 * folded in), GlobalAveragePool, GlobalMaxPool, ReduceMean, LRN, Add and Sum, Concat, per-channel
 * Mul/Add/Sub/Div by constants, Flatten, Reshape, Squeeze and Unsqueeze that only flatten, Gemm with
 * any transB, alpha and beta, MatMul with its Add, Dropout, Identity, and a final Softmax or
 * LogSoftmax. Whatever cannot be expressed is listed in one error, each reason once with its count
 * and first node, before anything is written.
 *
 * <p>Layers are named after PyTorch's modules where the file says them: a weight {@code
 * layer1.0.conv1.weight} or a node {@code /layer1/layer1.0/conv1/Conv} gives layer {@code
 * layer1.0.conv1}, so parameter names survive the trip.
 */
public final class OnnxImporter {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxImporter.class);

  /** The oldest and newest default-domain opsets read. */
  public static final long MIN_OPSET = 7;

  public static final long MAX_OPSET = 21;

  /** The oldest and newest IR versions read. */
  public static final long MIN_IR = 3;

  public static final long MAX_IR = 10;

  /** The largest height, width or channel count of the image input. */
  static final long MAX_INPUT_DIM = 1 << 16;

  /** The most values one input image may hold. */
  static final long MAX_INPUT_VALUES = 1L << 26;

  /** Operators the importer maps to layers or folds. */
  public static final Set<String> SUPPORTED;

  static {
    Set<String> all = new TreeSet<>(GraphMapper.MAPPED);
    all.addAll(ConstantFolder.OPS);
    SUPPORTED = java.util.Collections.unmodifiableSet(all);
  }

  private OnnxImporter() {}

  /**
   * Reads and converts an ONNX file; weights kept in files beside it (external data, what
   * torch.onnx's default exporter writes) are read from the file's folder.
   */
  public static ImportedModel read(Path file) {
    Path folder = file.toAbsolutePath().getParent();
    return convert(ExternalData.inline(OnnxFiles.read(file), folder, file.toString()),
        file.toString());
  }

  /**
   * Converts a parsed model whose weights it holds (see {@link #read} for external data).
   *
   * @param source what to call the model in errors (its file name)
   * @throws OnnxException with one line that names the file and every reason it cannot be read
   */
  public static ImportedModel convert(ModelProto model, String source) {
    try {
      return convertChecked(model, source);
    } catch (OnnxException e) {
      // names from a corrupt file may hold newlines: the error stays one line
      String m = e.getMessage();
      String line = GraphOrder.printable(m.length() > 4000 ? m.substring(0, 4000) : m);
      if (m.length() > 4000) {
        line += " ...";
      }
      throw line.equals(m) ? e : new OnnxException(line, e);
    }
  }

  private static ImportedModel convertChecked(ModelProto model, String source) {
    long opset = checkVersions(model, source);
    GraphProto graph = model.getGraph();
    Map<String, ConstTensor> initializers = new HashMap<>();
    long held = 0;
    if (graph.getSparseInitializerCount() > 0) {
      throw new OnnxException(source + ": the graph has sparse initializers, which ke-bridge does"
          + " not read; densify them (onnx's sparse-to-dense tools) and save again");
    }
    for (TensorProto t : graph.getInitializerList()) {
      if (t.getName().isEmpty()) {
        throw new OnnxException(source + ": an initializer has no name; the file is corrupt");
      }
      try {
        ConstTensor c = ConstTensor.of(t.getName(), t);
        held += c.size();
        if (initializers.put(t.getName(), c) != null) {
          throw new OnnxException(source + ": initializer '" + t.getName() + "' is stored twice;"
              + " the file is corrupt");
        }
      } catch (OnnxException e) {
        throw e.getMessage().startsWith(source) ? e
            : new OnnxException(source + ": " + e.getMessage(), e);
      }
    }
    held += constantNodeValues(graph);
    ValueInfoProto input = imageInput(graph, initializers.keySet(), source);
    Set<String> defined = new HashSet<>(initializers.keySet());
    defined.add(input.getName());
    int[] order = GraphOrder.sort(graph, defined, source);

    long fixedBatch = batchOf(input);
    Refusals refusals = new Refusals();
    GraphMapper mapper = new GraphMapper(graph, opset,
        new ConstantFolder(opset, Math.max(1L << 24, held)), refusals, initializers, fixedBatch);
    boolean channelsLast = channelsLast(graph, input);
    mapper.input(input.getName(), inputShape(input, channelsLast, source), channelsLast);
    try {
      mapper.mapAll(order);
    } catch (OnnxException e) {
      // a tensor stored in a node (a Constant's value) that is corrupt
      throw new OnnxException(source + ": " + e.getMessage(), e);
    }
    String output = pickOutput(graph, source);
    GraphMapper.Act out = mapper.value(output);
    if (out == null && !mapper.isSkipped(output) && refusals.isEmpty()) {
      throw new OnnxException(source + ": output " + output + (mapper.isConstantValue(output)
          ? " is a constant, not computed from the image" : " is not computed by any node"));
    }
    refusals.throwIfAny(source, String.join(", ", SUPPORTED));
    if (out.pad() != null) {
      throw new OnnxException(source + ": output " + output + " is a Pad's output; ke-bridge"
          + " imports classifiers whose output is one score per class");
    }
    ActivationShape outShape = mapper.shape(out.layer());
    if (outShape.height() != 1 || outShape.width() != 1) {
      throw new OnnxException(source + ": output " + output + " is a " + outShape + " map;"
          + " ke-bridge imports classifiers whose output is one score per class");
    }

    Map<String, String> meta = OnnxFiles.metadata(model);
    boolean ours = meta.keySet().stream().anyMatch(k -> k.startsWith(ModelCard.PREFIX));
    String arch = ours && !graph.getName().isEmpty() ? graph.getName() : "imported";
    NetworkSpec spec;
    Weights weights;
    try {
      spec = new NetworkSpec(arch, mapper.layers(), out.layer());
      List<Tensor> ordered = new ArrayList<>();
      for (var p : spec.params()) {
        ordered.add(mapper.tensors().get(p.name()));
      }
      weights = Weights.of(ordered);
      weights.checkMatches(spec);
    } catch (ModelException e) {
      throw new OnnxException(source + ": the graph does not form a valid network: "
          + e.getMessage(), e);
    }
    ModelCard card = null;
    if (ours) {
      try {
        card = ModelCard.fromMetadata(meta);
      } catch (ModelException e) {
        throw new OnnxException(source + ": the ke.* metadata is not a valid model card: "
            + e.getMessage(), e);
      }
    }
    String logits = out.head() == OriginalModel.Head.NONE ? output : out.logits();
    List<String> notes = new ArrayList<>(mapper.notes());
    if (channelsLast) {
      notes.add("the file takes channels-last (NHWC) images and transposes them; the imported"
          + " network takes NCHW images " + spec.input().shape());
    }
    if (graph.getOutputCount() > 1 && !ours) {
      notes.add("the file has " + graph.getOutputCount() + " outputs; imported is '" + output
          + "'");
    }
    ModelProto check = checkModel(model, opset, logits, mapper.ambiguousPools());
    log(source, graph, initializers, input, mapper, spec);
    return new ImportedModel(spec, weights, card,
        new OriginalModel(check, logits, out.head(), fixedBatch, channelsLast, notes));
  }

  private static void log(String source, GraphProto graph, Map<String, ConstTensor> initializers,
      ValueInfoProto input, GraphMapper mapper, NetworkSpec spec) {
    int asInputs = 0;
    for (ValueInfoProto v : graph.getInputList()) {
      if (initializers.containsKey(v.getName())) {
        asInputs++;
      }
    }
    int unused = mapper.unused(new ArrayList<>(initializers.keySet()));
    LOG.info("{}: {} nodes into {} layers; {} initializers{}{}", source, graph.getNodeCount(),
        spec.layers().size(), initializers.size(),
        asInputs > 0 ? ", " + asInputs + " also listed as graph inputs (IR 3 style)" : "",
        unused > 0 ? ", " + unused + " read by no node" : "");
    for (String n : mapper.notes()) {
      LOG.info("{}: {}", source, n);
    }
    LOG.debug("{}: image input '{}'", source, input.getName());
  }

  /**
   * How many values the file's Constant nodes hold (some converters store weights so): with the
   * initializers, what bounds the tensors folding may make.
   */
  private static long constantNodeValues(GraphProto graph) {
    long total = 0;
    for (NodeProto n : graph.getNodeList()) {
      if (!n.getOpType().equals("Constant")) {
        continue;
      }
      for (var a : n.getAttributeList()) {
        if (a.getName().equals("value") && a.hasT()) {
          try {
            // only values the file holds count: announced dimensions could lie
            total += TensorProtos.check(a.getT());
          } catch (OnnxException e) {
            // refused when the node is folded
          }
        }
      }
    }
    return total;
  }

  private static long checkVersions(ModelProto model, String source) {
    long ir = model.getIrVersion();
    if (ir < MIN_IR || ir > MAX_IR) {
      throw new OnnxException(source + " has ONNX IR version " + ir + "; ke-bridge reads IR "
          + MIN_IR + " to " + MAX_IR + (ir > MAX_IR ? " (save it with an older onnx or"
              + " exporter, or convert it with onnx.version_converter)" : ""));
    }
    long opset = -1;
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        opset = o.getVersion();
      }
    }
    if (opset < 0) {
      throw new OnnxException(source + " imports no version of the default ONNX operator set");
    }
    if (opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new OnnxException(source + " uses operator set " + opset + "; ke-bridge reads opsets "
          + MIN_OPSET + " to " + MAX_OPSET + " (convert it with"
          + " onnx.version_converter.convert_version(model, " + (opset < MIN_OPSET ? MIN_OPSET
              : MAX_OPSET) + "))");
    }
    return opset;
  }

  private static ValueInfoProto imageInput(GraphProto graph, Set<String> initializers,
      String source) {
    List<ValueInfoProto> inputs = new ArrayList<>();
    for (ValueInfoProto v : graph.getInputList()) {
      if (!initializers.contains(v.getName())) {
        inputs.add(v);
      }
    }
    if (inputs.size() != 1) {
      throw new OnnxException(source + ": expected one image input, found "
          + inputs.stream().map(ValueInfoProto::getName).toList());
    }
    ValueInfoProto in = inputs.get(0);
    if (!in.getType().hasTensorType()
        || in.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
      throw new OnnxException(source + ": input " + in.getName() + " must be a float32 tensor");
    }
    return in;
  }

  /** The batch size the input fixes, or 0 where it is symbolic or absent. */
  private static long batchOf(ValueInfoProto in) {
    TensorShapeProto s = in.getType().getTensorType().getShape();
    if (s.getDimCount() > 0 && s.getDim(0).hasDimValue() && s.getDim(0).getDimValue() > 0) {
      return s.getDim(0).getDimValue();
    }
    return 0;
  }

  /**
   * True when the image input is channels-last: a rank-4 input that only Transposes to NCHW read
   * (tf2onnx's Keras models), whose last dimension is then the channels.
   */
  private static boolean channelsLast(GraphProto graph, ValueInfoProto in) {
    if (in.getType().getTensorType().getShape().getDimCount() != 4) {
      return false;
    }
    int readers = 0;
    for (NodeProto n : graph.getNodeList()) {
      if (!n.getInputList().contains(in.getName())) {
        continue;
      }
      readers++;
      boolean toNchw = n.getOpType().equals("Transpose") && n.getAttributeList().stream()
          .anyMatch(a -> a.getName().equals("perm") && a.getIntsList().equals(List.of(0L, 3L,
              1L, 2L)));
      if (!toNchw) {
        return false;
      }
    }
    return readers > 0;
  }

  private static ActivationShape inputShape(ValueInfoProto in, boolean channelsLast,
      String source) {
    TensorShapeProto shape = in.getType().getTensorType().getShape();
    long[] dims = new long[shape.getDimCount()];
    for (int i = 1; i < dims.length; i++) {
      TensorShapeProto.Dimension d = shape.getDim(i);
      dims[i] = d.hasDimValue() ? d.getDimValue() : -1;
    }
    boolean ok = dims.length == 4;
    for (int i = 1; ok && i < 4; i++) {
      ok = dims[i] > 0 && dims[i] <= MAX_INPUT_DIM;
    }
    if (!ok || dims[1] * dims[2] * dims[3] > MAX_INPUT_VALUES) {
      throw new OnnxException(source + ": input " + in.getName()
          + " must be [batch, C, H, W] (or [batch, H, W, C] read by a Transpose to NCHW) with"
          + " fixed C, H and W (at most " + MAX_INPUT_DIM
          + " each and " + MAX_INPUT_VALUES + " values), got " + describe(shape));
    }
    return channelsLast ? new ActivationShape((int) dims[3], (int) dims[1], (int) dims[2])
        : new ActivationShape((int) dims[1], (int) dims[2], (int) dims[3]);
  }

  private static String describe(TensorShapeProto shape) {
    List<String> d = new ArrayList<>();
    for (TensorShapeProto.Dimension x : shape.getDimList()) {
      d.add(x.hasDimValue() ? Long.toString(x.getDimValue())
          : x.getDimParam().isEmpty() ? "?" : x.getDimParam());
    }
    return d.toString();
  }

  /** The output that holds the classes: {@code logits} where it exists, else the first. */
  private static String pickOutput(GraphProto graph, String source) {
    if (graph.getOutputCount() == 0) {
      throw new OnnxException(source + ": the graph has no outputs");
    }
    for (ValueInfoProto o : graph.getOutputList()) {
      if (o.getName().equals(OnnxFormat.LOGITS)) {
        return o.getName();
      }
    }
    return graph.getOutput(0).getName();
  }

  /**
   * The original model as the import check runs it: {@code logits} as its only output, and every
   * average pool whose result ONNX Runtime computes by opset written as the ONNX standard defines
   * it (a Pad of the counted padding, then a floor-mode pool whose only own padding is the
   * uncounted reach of ceil-mode windows).
   */
  static ModelProto checkModel(ModelProto model, long opset, String logits,
      Map<Integer, GraphMapper.Ambiguous> ambiguous) {
    ModelProto.Builder b = model.toBuilder();
    GraphProto.Builder g = b.getGraphBuilder();
    ValueInfoProto info = null;
    for (ValueInfoProto o : model.getGraph().getOutputList()) {
      if (o.getName().equals(logits)) {
        info = o;
      }
    }
    if (info == null) {
      info = ValueInfoProto.newBuilder().setName(logits)
          .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
              .setElemType(TensorProto.DataType.FLOAT_VALUE)))
          .build();
    }
    g.clearOutput().addOutput(info);
    if (!ambiguous.isEmpty()) {
      g.clearNode();
      GraphProto original = model.getGraph();
      for (int i = 0; i < original.getNodeCount(); i++) {
        GraphMapper.Ambiguous a = ambiguous.get(i);
        if (a == null) {
          g.addNode(original.getNode(i));
        } else {
          rewritePool(g, original.getNode(i), a, opset, i);
        }
      }
    }
    return b.build();
  }

  private static void rewritePool(GraphProto.Builder g, NodeProto pool, GraphMapper.Ambiguous a,
      long opset, int index) {
    Padding own = a.own();
    Padding floor = new Layer.AvgPool("onnx", "x", a.kernel(), a.stride(), own, true, true)
        .floorPadding(a.in());
    String padded = "ke_import_check/" + index + "/padded";
    long[] pads = {0, 0, own.top(), own.left(), 0, 0, own.bottom(), own.right()};
    NodeProto.Builder pad = NodeProto.newBuilder().setOpType("Pad").setName(padded)
        .addInput(pool.getInput(0)).addOutput(padded)
        .addAttribute(GraphBuilder.string("mode", "constant"));
    if (opset < 11) {
      pad.addAttribute(GraphBuilder.ints("pads", pads));
    } else {
      String name = "ke_import_check/" + index + "/pads";
      g.addInitializer(TensorProtos.int64s(name, pads).toBuilder().setName(name));
      pad.addInput(name);
    }
    g.addNode(pad);
    NodeProto.Builder avg = pool.toBuilder().clearAttribute().setInput(0, padded);
    for (var attr : pool.getAttributeList()) {
      if (!Set.of("pads", "auto_pad", "ceil_mode", "count_include_pad").contains(attr.getName())) {
        avg.addAttribute(attr);
      }
    }
    avg.addAttribute(GraphBuilder.ints("pads", 0, 0, floor.bottom() - own.bottom(),
        floor.right() - own.right()));
    avg.addAttribute(GraphBuilder.attr("count_include_pad", 0L));
    g.addNode(avg);
  }
}
