package io.kebridge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.eval.Evaluation;
import io.kebridge.models.eval.Evaluator;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.training.graph.TfForward;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke eval}: top-1 and top-k accuracy, per-class accuracy and the confusion matrix of any
 * model ke-bridge can read (a run's generation, dense or slim; a slim or imported folder; an ONNX
 * file of ours or from another stack) on a dataset, on TensorFlow for folders and ONNX Runtime for
 * ONNX files.
 */
@Command(
    name = "eval",
    header = "Measure a model's accuracy on a dataset (TensorFlow or ONNX Runtime).",
    mixinStandardHelpOptions = true,
    description = {
      "Measure a model on a dataset: top-1 and top-k accuracy, accuracy per class and the",
      "confusion matrix (rows: true class, columns: predicted). Folders run on TensorFlow, .onnx",
      "files on ONNX Runtime. Images are normalised with the model card's mean and std (or",
      "--mean/--std); images of another size or channel count than the network's input are",
      "resized as 'ke data' does (centre crop, bilinear), grey ones repeated for a 3-channel",
      "network."
    })
public final class EvalCommand implements Runnable {

  @Parameters(index = "0", paramLabel = "MODEL",
      description = "A run folder, a slim or imported folder, or an .onnx file.")
  Path model;

  @Option(names = "--data", paramLabel = "NAME|PATH",
      description = "Dataset (default: the one the model card names).")
  String data;

  @Option(names = "--split", defaultValue = "test", paramLabel = "test|train",
      description = "Which part of the dataset (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--generation", paramLabel = "N",
      description = "Generation of a run folder (default: the last finished one).")
  Integer generation;

  @Option(names = "--slim",
      description = "Evaluate the run's KELS slim network (cut out) instead of the dense one.")
  boolean slim;

  @Option(names = "--batch-size", defaultValue = "128", paramLabel = "N",
      description = "Images per forward call (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--top-k", defaultValue = "5", paramLabel = "K",
      description = "The k of top-k accuracy (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(names = "--mean", split = ",", paramLabel = "M[,M...]",
      description = "Per-channel mean for a model without a card (default 0), or to override it.")
  float[] mean;

  @Option(names = "--std", split = ",", paramLabel = "S[,S...]",
      description = "Per-channel std for a model without a card (default 1), or to override it.")
  float[] std;

  @Option(names = "--json", description = "Print the result as JSON instead of text.")
  boolean json;

  @Spec CommandLine.Model.CommandSpec command;

  /** A model opened for evaluation: how it runs, its card (or null) and its input shape. */
  private record Opened(Forward forward, ModelCard card, ActivationShape input, String what,
      String runtime) {}

  @Override
  public void run() {
    if (!split.equals("test") && !split.equals("train")) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--split must be test or train, got '" + split + "'");
    }
    if (batchSize <= 0 || topK <= 0) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--batch-size and --top-k must be positive");
    }
    if ((mean == null) != (std == null)) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "give --mean and --std together");
    }
    if (!Files.exists(model)) {
      throw new ModelException(model + " does not exist");
    }
    Opened m = open();
    try (Forward f = m.forward()) {
      String dataset = data != null ? data
          : m.card() == null ? null : m.card().get(CardKey.DATASET).orElse(null);
      if (dataset == null) {
        throw new ModelException(model + " names no dataset: pass --data NAME|PATH");
      }
      DataSplits splits = Datasets.load(dataset);
      Dataset set = (split.equals("test") ? splits.test() : splits.train()).adaptedTo(m.input());
      ChannelStats norm = normalization(m.card(), m.input().channels());
      List<String> labels = m.card() != null && !m.card().labels().isEmpty()
          ? m.card().labels() : set.classNames();
      if (labels.size() != set.classes()) {
        throw new ModelException(m.what() + " has " + labels.size() + " classes, " + dataset
            + " has " + set.classes());
      }
      Evaluation e = Evaluator.evaluate(f, set, norm, batchSize, topK);
      PrintWriter out = command.commandLine().getOut();
      if (json) {
        out.println(json(e, m, set));
      } else {
        print(out, e, m, set);
      }
      out.flush();
    }
  }

  private Opened open() {
    if (Files.isRegularFile(model)) {
      if (generation != null || slim) {
        throw new CommandLine.ParameterException(command.commandLine(),
            "--generation and --slim apply to run folders, not to " + model);
      }
      Map<String, String> meta = OnnxFiles.metadata(OnnxFiles.read(model));
      boolean ours = meta.keySet().stream().anyMatch(k -> k.startsWith(ModelCard.PREFIX));
      ModelCard card = ours ? ModelCard.fromMetadata(meta) : null;
      OrtForward f = OrtForward.open(model, OrtSettings.defaults());
      long[] s = f.inputShape();
      if (s.length != 4 || s[1] <= 0 || s[2] <= 0 || s[3] <= 0) {
        f.close();
        throw new ModelException(model + " takes input " + java.util.Arrays.toString(s)
            + "; ke eval needs [batch, C, H, W] images with fixed C, H and W");
      }
      ActivationShape in = new ActivationShape((int) s[1], (int) s[2], (int) s[3]);
      return new Opened(f, card, in, model.getFileName().toString(), "ONNX Runtime");
    }
    ModelSource.Loaded net = ModelSource.load(model, generation, slim);
    return new Opened(TfForward.open(net.spec(), net.weights()), net.card(),
        net.spec().input().shape(), net.what(), "TensorFlow");
  }

  private ChannelStats normalization(ModelCard card, int channels) {
    if (mean != null) {
      if (mean.length != channels || std.length != channels) {
        throw new ModelException("--mean and --std need " + channels + " values each (one per"
            + " input channel), got " + mean.length + " and " + std.length);
      }
      return new ChannelStats(mean, std);
    }
    if (card != null) {
      return card.normalization();
    }
    float[] zero = new float[channels];
    float[] one = new float[channels];
    java.util.Arrays.fill(one, 1f);
    return new ChannelStats(zero, one);
  }

  private static void print(PrintWriter out, Evaluation e, Opened m, Dataset set) {
    out.printf(Locale.ROOT, "%s on %s (%,d images, %s)%n", m.what(), set.name(), e.total(),
        m.runtime());
    out.printf(Locale.ROOT, "top-1 %.2f%% (%d/%d)   top-%d %.2f%% (%d/%d)%n", 100 * e.top1(),
        e.top1Correct(), e.total(), e.k(), 100 * e.topK(), e.topKCorrect(), e.total());
    int width = Math.max(5, e.labels().stream().mapToInt(String::length).max().orElse(5));
    out.println("per class:");
    for (Evaluation.ClassResult c : e.perClass()) {
      out.printf(Locale.ROOT, "  %-" + width + "s %7.2f%% (%d/%d)%n", c.label(),
          100 * c.accuracy(), c.correct(), c.total());
    }
    out.println("confusion matrix (rows: true class, columns: predicted class, in label order):");
    int[][] cm = e.confusion();
    int cell = 4;
    for (int[] row : cm) {
      for (int v : row) {
        cell = Math.max(cell, Integer.toString(v).length() + 1);
      }
    }
    out.print(" ".repeat(width + 2));
    for (int j = 0; j < cm.length; j++) {
      out.printf(Locale.ROOT, "%" + cell + "d", j);
    }
    out.println();
    for (int i = 0; i < cm.length; i++) {
      out.printf(Locale.ROOT, "  %-" + width + "s", e.labels().get(i));
      for (int v : cm[i]) {
        out.printf(Locale.ROOT, "%" + cell + "d", v);
      }
      out.println();
    }
  }

  private static String json(Evaluation e, Opened m, Dataset set) {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    root.put("model", m.what());
    root.put("runtime", m.runtime());
    root.put("dataset", set.name());
    root.put("images", e.total());
    root.put("top1", e.top1());
    root.put("top1_correct", e.top1Correct());
    root.put("k", e.k());
    root.put("topk", e.topK());
    root.put("topk_correct", e.topKCorrect());
    ArrayNode classes = root.putArray("per_class");
    for (Evaluation.ClassResult c : e.perClass()) {
      classes.addObject().put("label", c.label()).put("correct", c.correct())
          .put("total", c.total()).put("accuracy", c.accuracy());
    }
    ArrayNode cm = root.putArray("confusion");
    for (int[] row : e.confusion()) {
      ArrayNode r = cm.addArray();
      for (int v : row) {
        r.add(v);
      }
    }
    try {
      return mapper.writeValueAsString(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
