package io.kebridge.cli;

import io.kebridge.models.ModelException;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.io.Folders;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.weights.SafeTensors;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.prune.cost.Latency;
import io.kebridge.prune.PruneException;
import io.kebridge.prune.cost.CostComparison;
import io.kebridge.prune.cut.SlimNetwork;
import io.kebridge.prune.cut.SlimPruner;
import io.kebridge.prune.eval.Accuracy;
import io.kebridge.prune.eval.AccuracyEvaluator;
import io.kebridge.models.split.ChannelPlan;
import io.kebridge.prune.store.SlimFolder;
import io.kebridge.training.export.SavedModels;
import io.kebridge.training.graph.TfForward;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke prune}: cuts the KELS fit hypothesis of one generation of a KE run out as a slim
 * network, checks its test accuracy on TensorFlow against what the trainer logged, and writes it as
 * a slim folder with its cost report (optionally also as a TensorFlow SavedModel).
 */
@Command(
    name = "prune",
    mixinStandardHelpOptions = true,
    description = {
      "Cut the fit hypothesis (KELS split) of a KE run out as a smaller network, without",
      "fine-tuning. Writes SLIM_DIR with spec.json, weights.safetensors, card.json and the",
      "dense-vs-slim cost report (cost.json, cost.md), and prints the slim network's test accuracy",
      "measured on TensorFlow beside the slim accuracy the trainer logged for that generation."
    })
public final class PruneCommand implements Runnable {

  /** Card property naming the dataset a run was trained on. */
  static final String DATASET_KEY = "dataset";

  @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A ke-bridge run directory.")
  Path runDir;

  @Option(names = "--generation", paramLabel = "N",
      description = "Generation to cut (default: the last finished one).")
  Integer generation;

  @Option(names = "--out", required = true, paramLabel = "SLIM_DIR",
      description = "Folder to write the slim network to (must not exist or be empty).")
  Path out;

  @Option(names = "--saved-model", paramLabel = "DIR",
      description = "Also export the slim network as a TensorFlow SavedModel (serving_default:"
          + " images -> logits, probabilities) to DIR.")
  Path savedModel;

  @Option(names = "--data", paramLabel = "NAME|PATH",
      description = "Dataset to measure accuracy on (default: the one in the run's card).")
  String data;

  @Option(names = "--skip-eval", description = "Do not measure the slim network's accuracy.")
  boolean skipEval;

  @Option(names = "--batch-size", defaultValue = "250",
      description = "Images per forward call when measuring accuracy (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--no-latency",
      description = "Do not measure dense vs slim latency on ONNX Runtime for the cost report.")
  boolean noLatency;

  @Option(names = "--show-groups",
      description = "Print the channel groups and the channels each one keeps.")
  boolean showGroups;

  @Spec picocli.CommandLine.Model.CommandSpec command;

  @Override
  public void run() {
    PrintWriter console = command.commandLine().getOut();
    RunDirectory run = RunDirectory.open(runDir);
    SlimFolder.checkTarget(out);
    if (savedModel != null) {
      SlimFolder.checkTarget(savedModel);
    }
    ModelCard card = run.card();
    NetworkSpec dense = run.spec();
    SplitPlan split = SplitPlan.parse(card.split(), 0);
    int g = generation != null ? generation : run.latestGeneration();
    // Refuse a WELS or LLF run before reading any weights.
    ChannelPlan plan = SlimPruner.plan(dense, split);
    SafeTensors.Contents contents = run.generationWeights(g);
    GenerationRecord record = GenerationRecord.fromMetadata(g, contents.metadata());
    SlimNetwork slim = SlimPruner.cut(contents.weights(), plan);
    CostComparison cost = CostComparison.of(split.describe(), dense, slim.spec());

    console.printf(Locale.ROOT, "%s generation %d (%s): %s -> %s%n", runDir, g, split.describe(),
        dense.architecture(), slim.spec().architecture());
    if (showGroups) {
      console.print(plan.describe());
    }
    console.print(cost.summary());

    Double logged = record.slimAccuracy();
    Accuracy measured = skipEval ? null : evaluate(card, slim);
    if (measured != null) {
      console.printf(Locale.ROOT, "slim accuracy %.4f (%d/%d, measured on TensorFlow), %s%n",
          measured.value(), measured.correct(), measured.total(), compare(measured, logged, g));
    } else if (logged != null) {
      console.printf(Locale.ROOT, "slim accuracy %s (logged by the trainer, not measured)%n",
          logged.toString());
    }

    Double accuracy = measured != null ? Double.valueOf(measured.value()) : logged;
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put("pruned_from", runDir.toAbsolutePath().normalize().toString());
    extra.put(GenerationRecord.DENSE_ACCURACY_KEY, Double.toString(record.denseAccuracy()));
    ModelCard slimCard = SlimFolder.slimCard(card, g, accuracy, extra);
    if (!noLatency) {
      ExportOptions plain = ExportOptions.defaults();
      Latency latency = Latencies.measure(
          OnnxExporter.export(dense, contents.weights(), card, plain),
          OnnxExporter.export(slim.spec(), slim.weights(), slimCard, plain), 1);
      cost = cost.withLatency(latency);
      console.printf(Locale.ROOT, "latency on ONNX Runtime, batch 1 (median, interleaved): dense "
          + "%.3f ms, slim %.3f ms, %.2fx faster%n", latency.denseMedianMs(),
          latency.slimMedianMs(), latency.speedup());
    }
    Map<String, String> meta = GenerationRecord.slimMetadata(g, accuracy);

    if (savedModel != null) {
      SavedModels.export(slim.spec(), slim.weights(), savedModel);
    }
    try {
      SlimFolder.write(out, slim, slimCard, cost, meta);
    } catch (RuntimeException e) {
      if (savedModel != null) {
        deleteQuietly(savedModel, e);
      }
      throw e;
    }
    console.printf(Locale.ROOT, "wrote %s (spec.json, weights.safetensors, card.json, cost.json,"
        + " cost.md)%n", out);
    if (savedModel != null) {
      console.printf(Locale.ROOT, "wrote SavedModel %s (signature %s)%n", savedModel,
          SavedModels.SIGNATURE);
    }
    console.flush();
  }

  private Accuracy evaluate(ModelCard card, SlimNetwork slim) {
    String name = data != null ? data : card.extra().get(DATASET_KEY);
    if (name == null) {
      throw new PruneException("the run's card names no dataset (ke." + DATASET_KEY
          + "); pass --data NAME|PATH or --skip-eval");
    }
    Dataset test = Datasets.load(name).test();
    if (!test.shape().equals(slim.spec().input().shape())) {
      throw new PruneException("dataset " + name + " has images " + test.shape()
          + ", the network takes " + slim.spec().input().shape());
    }
    try (Forward forward = TfForward.open(slim.spec(), slim.weights())) {
      return AccuracyEvaluator.evaluate(forward, test, card.mean(), card.std(), batchSize);
    }
  }

  private static String compare(Accuracy measured, Double logged, int g) {
    if (logged == null) {
      return "the trainer logged no slim accuracy for generation " + g;
    }
    // equal when the logged fraction is the same count of correct images
    boolean same = Math.abs(logged - measured.value()) < 0.5 / measured.total();
    return String.format(Locale.ROOT, "trainer logged %s for generation %d: %s", logged, g,
        same ? "equal" : "DIFFERENT (was the run evaluated on another dataset or normalisation?)");
  }

  private static void deleteQuietly(Path dir, RuntimeException cause) {
    try {
      Folders.deleteTree(dir);
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }
}
