package io.kebridge.onnx.export;

import static io.kebridge.onnx.graph.GraphBuilder.attr;
import static io.kebridge.onnx.graph.GraphBuilder.ints;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
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

  /** Metadata key (without the {@code ke.} prefix) recording whether batch-norms were folded. */
  public static final String FOLDED_KEY = "export.fold_batchnorm";

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
    ModelCard stamped = card.withExtra(FOLDED_KEY, Boolean.toString(options.foldBatchNorm()));
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
      }
      g.node("Softmax", "softmax", List.of(out), List.of(OnnxFormat.PROBS), attr("axis", -1L));
      int classes = spec.classes();
      g.output(OnnxFormat.LOGITS, OnnxFormat.BATCH_DIM, classes);
      g.output(OnnxFormat.PROBS, OnnxFormat.BATCH_DIM, classes);
    }

    private int rankOf(Layer layer) {
      if (layer instanceof Layer.Dense || layer instanceof Layer.Flatten) {
        return 2;
      }
      if (layer instanceof Layer.Relu || layer instanceof Layer.BatchNorm || layer instanceof Layer.Add) {
        return rank.get(layer.inputs().get(0));
      }
      return 4;
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
      if (layer instanceof Layer.Input) {
        value.put(layer.name(), OnnxFormat.INPUT);
        rank.put(layer.name(), 4);
        return;
      }
      int r = rankOf(layer);
      String out = outName(layer, r);
      String name = layer.name();
      List<String> outs = List.of(out);
      if (layer instanceof Layer.Conv2d c) {
        List<String> ins = new ArrayList<>(List.of(value.get(c.input()), weight(name + ".weight")));
        if (c.bias()) {
          ins.add(weight(name + ".bias"));
        }
        int p = c.padding();
        g.node("Conv", name, ins, outs,
            ints("kernel_shape", c.kernel(), c.kernel()),
            ints("strides", c.stride(), c.stride()),
            ints("pads", p, p, p, p),
            ints("dilations", 1, 1),
            attr("group", 1L));
      } else if (layer instanceof Layer.BatchNorm b) {
        g.node("BatchNormalization", name,
            List.of(value.get(b.input()), weight(name + ".weight"), weight(name + ".bias"),
                weight(name + ".running_mean"), weight(name + ".running_var")),
            outs,
            attr("epsilon", (float) b.epsilon()),
            // ONNX's momentum weighs the old running value: 1 - PyTorch's momentum
            attr("momentum", (float) (1 - b.momentum())));
      } else if (layer instanceof Layer.Relu re) {
        g.node("Relu", name, List.of(value.get(re.input())), outs);
      } else if (layer instanceof Layer.MaxPool m) {
        int p = m.padding();
        g.node("MaxPool", name, List.of(value.get(m.input())), outs,
            ints("kernel_shape", m.kernel(), m.kernel()),
            ints("strides", m.stride(), m.stride()),
            ints("pads", p, p, p, p));
      } else if (layer instanceof Layer.GlobalAvgPool gp) {
        g.node("GlobalAveragePool", name, List.of(value.get(gp.input())), outs);
      } else if (layer instanceof Layer.Add a) {
        emitAdd(a, out);
      } else if (layer instanceof Layer.Flatten f) {
        g.node("Flatten", name, List.of(value.get(f.input())), outs, attr("axis", 1L));
      } else if (layer instanceof Layer.Dense d) {
        String x = value.get(d.input());
        if (rank.get(d.input()) != 2) {
          x = g.node("Flatten", name + "/flatten", List.of(x), List.of(name + "/flat"),
              attr("axis", 1L));
        }
        List<String> ins = new ArrayList<>(List.of(x, weight(name + ".weight")));
        if (d.bias()) {
          ins.add(weight(name + ".bias"));
        }
        g.node("Gemm", name, ins, outs, attr("transB", 1L));
      } else {
        throw new OnnxException(name + ": layer type " + layer.getClass().getSimpleName()
            + " has no ONNX export");
      }
      value.put(name, out);
      rank.put(name, r);
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
