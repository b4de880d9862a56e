package io.kebridge.onnx.export;

import static io.kebridge.onnx.graph.GraphBuilder.attr;
import static io.kebridge.onnx.graph.GraphBuilder.ints;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.CardKey;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a network spec and its weights as an ONNX model: input {@code input} (float32 NCHW with a
 * dynamic batch dimension), outputs {@code logits} and {@code probs} (softmax), the model card in
 * {@code metadata_props}. One node per layer, named as the layer, so the file reads like the spec
 * in a viewer. Weights are already in ONNX's layouts (convolutions OIHW, dense {@code [out, in]}
 * consumed by Gemm with {@code transB=1}), so nothing is transposed here.
 */
public final class OnnxExporter {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxExporter.class);

  private OnnxExporter() {}

  /**
   * Builds the ONNX model.
   *
   * @param card the metadata contract; its input shape must be the network's
   * @throws OnnxException when the weights, card and network do not fit together
   */
  public static ModelProto export(
      NetworkSpec spec, Weights weights, ModelCard card, ExportOptions options) {
    Objects.requireNonNull(card, "card");
    Objects.requireNonNull(options, "options");
    try {
      weights.checkMatches(spec);
    } catch (ModelException e) {
      throw new OnnxException("cannot export: " + e.getMessage(), e);
    }
    ActivationShape in = spec.input().shape();
    if (!card.input().equals(in)) {
      throw new OnnxException(
          "cannot export: the model card describes input " + card.input() + ", the network takes "
              + in);
    }
    if (!card.labels().isEmpty() && card.labels().size() != spec.classes()) {
      throw new OnnxException(
          "cannot export: the model card has " + card.labels().size() + " labels, the network "
              + spec.classes() + " classes");
    }
    NetworkSpec net = spec;
    Weights w = weights;
    if (options.foldBatchNorm()) {
      BatchNormFolding.Result f = BatchNormFolding.fold(spec, weights);
      net = f.spec();
      w = f.weights();
      LOG.debug("folded {} batch-norms into convolutions", f.folded());
    }
    GraphBuilder g = new GraphBuilder(spec.architecture());
    new Emitter(net, w, g).emitAll();
    ModelCard stamped = card.with(CardKey.EXPORT_FOLD_BATCHNORM,
        Boolean.toString(options.foldBatchNorm()));
    ModelProto.Builder model =
        ModelProto.newBuilder()
            .setIrVersion(OnnxFormat.IR_VERSION)
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxFormat.OPSET))
            .setProducerName(OnnxFormat.PRODUCER)
            .setProducerVersion(String.valueOf(card.version()))
            .setDocString(
                spec.architecture() + " (" + card.network() + ", split " + card.split()
                    + ", generation " + card.generation() + ") exported by ke-bridge")
            .setGraph(g.build());
    for (Map.Entry<String, String> e : stamped.toMetadata().entrySet()) {
      model.addMetadataProps(
          StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
    }
    return model.build();
  }

  /** Exports and writes the model to {@code file} atomically; returns the model. */
  public static ModelProto write(
      NetworkSpec spec, Weights weights, ModelCard card, ExportOptions options, Path file) {
    ModelProto m = export(spec, weights, card, options);
    OnnxFiles.write(m, file);
    return m;
  }

  /** Turns the layers into nodes, tracking each value's name and rank (4 for maps, 2 vectors). */
  private static final class Emitter {
    private static final Set<String> RESERVED =
        Set.of(OnnxFormat.INPUT, OnnxFormat.LOGITS, OnnxFormat.PROBS);

    private final NetworkSpec spec;
    private final Weights weights;
    private final GraphBuilder g;
    private final Map<String, String> value = new HashMap<>();
    private final Map<String, Integer> rank = new HashMap<>();

    Emitter(NetworkSpec spec, Weights weights, GraphBuilder g) {
      this.spec = spec;
      this.weights = weights;
      this.g = g;
    }

    void emitAll() {
      ActivationShape in = spec.input().shape();
      g.input(OnnxFormat.INPUT, OnnxFormat.BATCH_DIM, in.channels(), in.height(), in.width());
      for (Layer layer : spec.layers()) {
        emit(layer);
      }
      String out = value.get(spec.output());
      if (rank.get(spec.output()) != 2) {
        // a network that ends on a map (C x 1 x 1) still gives [batch, classes] logits
        out = g.node("Flatten", spec.output() + "/flatten", List.of(out), List.of(OnnxFormat.LOGITS),
            attr("axis", 1L));
      } else if (!out.equals(OnnxFormat.LOGITS)) {
        // a network that ends on a layer without a node of its own (dropout)
        out = g.node("Identity", spec.output() + "/logits", List.of(out),
            List.of(OnnxFormat.LOGITS));
      }
      g.node("Softmax", "softmax", List.of(out), List.of(OnnxFormat.PROBS), attr("axis", -1L));
      int classes = spec.classes();
      g.output(OnnxFormat.LOGITS, OnnxFormat.BATCH_DIM, classes);
      g.output(OnnxFormat.PROBS, OnnxFormat.BATCH_DIM, classes);
    }

    private String outName(Layer layer, int r) {
      if (layer.name().equals(spec.output()) && r == 2) {
        return OnnxFormat.LOGITS;
      }
      return RESERVED.contains(layer.name()) ? layer.name() + "_out" : layer.name();
    }

    private String weight(String param) {
      Tensor t = weights.get(param);
      return g.initializer(t.name(), t.shape(), t.data());
    }

    private void emit(Layer layer) {
      Node node = layer.accept(new Nodes());
      value.put(layer.name(), node.emit().apply(outName(layer, node.rank())));
      rank.put(layer.name(), node.rank());
    }

    /**
     * What one layer becomes: the rank of its value (4 for maps, 2 for vectors) and a function
     * that writes its nodes to the given output name and returns the name of the layer's value
     * (another name for layers that write no node: the graph input, an inference-time identity).
     */
    private record Node(int rank, java.util.function.UnaryOperator<String> emit) {
      static Node writing(int rank, java.util.function.Consumer<String> nodes) {
        return new Node(rank, out -> {
          nodes.accept(out);
          return out;
        });
      }
    }

    private String in(String layer) {
      return value.get(layer);
    }

    private int rankIn(Layer layer) {
      return rank.get(layer.inputs().get(0));
    }

    /** The nodes of each layer type. */
    private final class Nodes implements Layer.Visitor<Node> {
      @Override
      public Node visit(Layer.Input l) {
        return new Node(4, out -> OnnxFormat.INPUT);
      }

      @Override
      public Node visit(Layer.Conv2d c) {
        return Node.writing(4, out -> {
          List<String> ins = new ArrayList<>(List.of(in(c.input()), weight(c.name() + ".weight")));
          if (c.bias()) {
            ins.add(weight(c.name() + ".bias"));
          }
          g.node("Conv", c.name(), ins, List.of(out),
              ints("kernel_shape", c.kernel(), c.kernel()),
              ints("strides", c.stride(), c.stride()),
              ints("pads", c.padding().onnxPads()),
              ints("dilations", 1, 1),
              attr("group", (long) c.groups()));
        });
      }

      @Override
      public Node visit(Layer.BatchNorm b) {
        return Node.writing(rankIn(b), out -> g.node("BatchNormalization", b.name(),
            List.of(in(b.input()), weight(b.name() + ".weight"), weight(b.name() + ".bias"),
                weight(b.name() + ".running_mean"), weight(b.name() + ".running_var")),
            List.of(out),
            attr("epsilon", (float) b.epsilon()),
            // ONNX's momentum weighs the old running value: 1 - PyTorch's momentum
            attr("momentum", (float) (1 - b.momentum()))));
      }

      @Override
      public Node visit(Layer.Relu r) {
        return Node.writing(rankIn(r), out -> {
          g.node("Relu", r.name(), List.of(in(r.input())), List.of(out));
          if (r.functional()) {
            g.documentLast(OnnxFormat.FUNCTIONAL_DOC);
          }
        });
      }

      @Override
      public Node visit(Layer.Relu6 r) {
        // Clip takes its bounds as inputs since opset 11
        return Node.writing(rankIn(r), out -> g.node("Clip", r.name(),
            List.of(in(r.input()), g.initializer(r.name() + ".min", new int[0], new float[] {0f}),
                g.initializer(r.name() + ".max", new int[0], new float[] {6f})),
            List.of(out)));
      }

      @Override
      public Node visit(Layer.Dropout d) {
        // the identity at inference: no node, the layer's value is its input's
        return new Node(rankIn(d), out -> in(d.input()));
      }

      @Override
      public Node visit(Layer.MaxPool m) {
        // ceil mode as floor mode over more padding: what every ONNX runtime computes alike
        Padding p = m.floorPadding(spec.shapeOf(m.input()));
        return Node.writing(4, out -> g.node("MaxPool", m.name(), List.of(in(m.input())),
            List.of(out),
            ints("kernel_shape", m.kernel(), m.kernel()),
            ints("strides", m.stride(), m.stride()),
            ints("pads", p.onnxPads())));
      }

      @Override
      public Node visit(Layer.AvgPool a) {
        Padding floor = a.floorPadding(spec.shapeOf(a.input()));
        Padding p = a.padding();
        if (!a.countIncludePad() || floor.equals(p)) {
          // the extra padding of a ceil-mode window is never counted, nor (here) the padding
          return Node.writing(4, out -> g.node("AveragePool", a.name(), List.of(in(a.input())),
              List.of(out),
              ints("kernel_shape", a.kernel(), a.kernel()),
              ints("strides", a.stride(), a.stride()),
              ints("pads", floor.onnxPads()),
              attr("count_include_pad", a.countIncludePad() ? 1L : 0L)));
        }
        // padding that counts and a ceil-mode reach that does not: ONNX Runtime before opset 19
        // counts both in count_include_pad, so the padding becomes zeros of the image (a Pad
        // node) and only the reach stays the pooling's own, uncounted padding
        Padding reach = new Padding(0, 0, floor.bottom() - p.bottom(), floor.right() - p.right());
        return Node.writing(4, out -> {
          String padded = g.node("Pad", a.name() + "/pad",
              List.of(in(a.input()), g.int64Initializer(a.name() + "/pads", 0, 0, p.top(),
                  p.left(), 0, 0, p.bottom(), p.right())),
              List.of(a.name() + "/padded"), GraphBuilder.string("mode", "constant"));
          g.node("AveragePool", a.name(), List.of(padded), List.of(out),
              ints("kernel_shape", a.kernel(), a.kernel()),
              ints("strides", a.stride(), a.stride()),
              ints("pads", reach.onnxPads()),
              attr("count_include_pad", 0L));
        });
      }

      @Override
      public Node visit(Layer.Lrn l) {
        return Node.writing(4, out -> g.node("LRN", l.name(), List.of(in(l.input())),
            List.of(out),
            attr("size", (long) l.size()),
            attr("alpha", (float) l.alpha()),
            attr("beta", (float) l.beta()),
            attr("bias", (float) l.bias())));
      }

      @Override
      public Node visit(Layer.GlobalAvgPool gp) {
        return Node.writing(4, out -> g.node("GlobalAveragePool", gp.name(),
            List.of(in(gp.input())), List.of(out)));
      }

      @Override
      public Node visit(Layer.Add a) {
        return Node.writing(rankIn(a), out -> emitAdd(a, out));
      }

      @Override
      public Node visit(Layer.Concat c) {
        // a concat of vectors stays a vector; with any map every part is a [N, C, H, W] map
        boolean vectors = c.inputs().stream().allMatch(i -> rank.get(i) == 2);
        return Node.writing(vectors ? 2 : 4, out -> {
          List<String> ins = new ArrayList<>();
          for (String i : c.inputs()) {
            ins.add(vectors || rank.get(i) == 4 ? in(i) : asMap(c.name(), i));
          }
          g.node("Concat", c.name(), ins, List.of(out), attr("axis", 1L));
        });
      }

      @Override
      public Node visit(Layer.Flatten f) {
        return Node.writing(2, out -> g.node("Flatten", f.name(), List.of(in(f.input())),
            List.of(out), attr("axis", 1L)));
      }

      @Override
      public Node visit(Layer.Dense d) {
        return Node.writing(2, out -> {
          String x = in(d.input());
          if (rank.get(d.input()) != 2) {
            x = g.node("Flatten", d.name() + "/flatten", List.of(x), List.of(d.name() + "/flat"),
                attr("axis", 1L));
          }
          List<String> ins = new ArrayList<>(List.of(x, weight(d.name() + ".weight")));
          if (d.bias()) {
            ins.add(weight(d.name() + ".bias"));
          }
          g.node("Gemm", d.name(), ins, List.of(out), attr("transB", 1L));
        });
      }
    }

    /** A {@code [N, C]} vector as a {@code [N, C, 1, 1]} map, to join maps in a concat. */
    private String asMap(String layer, String input) {
      return g.node("Unsqueeze", layer + "/" + input + "/map",
          List.of(in(input), g.int64Initializer(layer + "/" + input + "/axes", 2, 3)),
          List.of(layer + "/" + input + "/map"));
    }

    /** ONNX's Add takes two inputs: a wider sum becomes a chain of Adds. */
    private void emitAdd(Layer.Add a, String out) {
      List<String> ins = a.inputs();
      String acc = value.get(ins.get(0));
      for (int i = 1; i < ins.size(); i++) {
        boolean last = i == ins.size() - 1;
        String target = last ? out : a.name() + "/partial" + i;
        String node = i == 1 ? a.name() : a.name() + "/" + i;
        acc = g.node("Add", node, List.of(acc, value.get(ins.get(i))), List.of(target));
      }
    }
  }
}
