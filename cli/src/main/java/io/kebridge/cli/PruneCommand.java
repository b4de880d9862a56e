package io.kebridge.cli;

import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.io.Folders;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.run.StoredNetwork;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.prune.PruneException;
import io.kebridge.prune.cost.CostComparison;
import io.kebridge.prune.cost.Latency;
import io.kebridge.prune.cut.SlimNetwork;
import io.kebridge.prune.eval.Accuracy;
import io.kebridge.prune.eval.AccuracyEvaluator;
import io.kebridge.prune.store.SlimFolder;
import io.kebridge.training.export.SavedModels;
import io.kebridge.training.graph.TfForward;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke prune}: cuts the KELS fit hypothesis of one generation of a KE run (or of a dense or
 * imported folder's weights) out as a slim network, checks its test accuracy on TensorFlow against
 * what the trainer logged, and writes it as a slim folder with its cost report (optionally also as
 * a TensorFlow SavedModel). The network comes from {@link ModelSource#cut}, as for {@code ke export
 * --slim} and {@code ke eval --slim}.
 */
@Command(
    name = "prune",
    header = "Cut the slim network (the fit hypothesis) out of a KE run.",
    mixinStandardHelpOptions = true,
    description = {
      "Cut the fit hypothesis (KELS split) of a KE run out as a smaller network, without",
      "fine-tuning. Writes SLIM_DIR with spec.json, weights.safetensors, card.json and the",
      "dense-vs-slim cost report (cost.json, cost.md), and prints the slim network's test accuracy",
      "measured on TensorFlow beside the slim accuracy the trainer logged for that generation.",
      "A dense or imported folder is cut with --split (its card's split by default)."
    })
public final class PruneCommand implements Runnable {

  @Parameters(index = "0", paramLabel = "RUN_DIR",
      description = "A ke-bridge run directory, or a dense or imported folder.")
  Path runDir;

  @Option(names = "--generation", paramLabel = "N",
      description = "Generation to cut (default: the last finished one).")
  Integer generation;

  @Option(names = "--split", paramLabel = "kels:S",
      description = "The KELS split to cut (default: the card's; needed for imported folders).")
  String split;

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
    RunDirectory.open(runDir);
    SlimFolder.checkTarget(out);
    if (savedModel != null) {
      SlimFolder.checkTarget(savedModel);
    }
    ModelSource.Cut cut = ModelSource.cut(runDir, generation, split);
    StoredNetwork dense = cut.dense();
    SlimNetwork slim = cut.network();
    CostComparison cost = CostComparison.of(cut.split().describe(), dense.spec(), slim.spec());
    Integer g = dense.generation();

    console.printf(Locale.ROOT, "%s%s (%s): %s -> %s%n", runDir,
        g == null ? "" : " generation " + g, cut.split().describe(),
        dense.spec().architecture(), slim.spec().architecture());
    if (showGroups) {
      console.print(cut.plan().describe());
    }
    console.print(cost.summary());

    Double logged = dense.record() == null ? null : dense.record().slimAccuracy();
    Accuracy measured = skipEval ? null : evaluate(dense.card(), slim);
    if (measured != null) {
      console.printf(Locale.ROOT, "slim accuracy %.4f (%d/%d, measured on TensorFlow), %s%n",
          measured.value(), measured.correct(), measured.total(), compare(measured, logged, g));
    } else if (logged != null) {
      console.printf(Locale.ROOT, "slim accuracy %s (logged by the trainer, not measured)%n",
          logged.toString());
    }

    Double accuracy = measured != null ? Double.valueOf(measured.value()) : logged;
    ModelCard slimCard = cut.card().toBuilder().accuracy(accuracy).build();
    if (!noLatency) {
      ExportOptions plain = ExportOptions.defaults();
      Latency latency = Latencies.measure(
          OnnxExporter.export(dense.spec(), dense.weights(), dense.card(), plain),
          OnnxExporter.export(slim.spec(), slim.weights(), slimCard, plain), 1);
      cost = cost.withLatency(latency);
      console.printf(Locale.ROOT, "latency on ONNX Runtime, batch 1 (median, interleaved): dense "
          + "%.3f ms, slim %.3f ms, %.2fx faster%n", latency.denseMedianMs(),
          latency.slimMedianMs(), latency.speedup());
    }
    Map<String, String> meta = GenerationRecord.slimMetadata(slimCard.generation(), accuracy);

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
    String name = data != null ? data : card.get(CardKey.DATASET).orElse(null);
    if (name == null) {
      throw new PruneException(runDir + "'s card names no dataset (" + CardKey.DATASET
          .metadataKey() + "); pass --data NAME|PATH or --skip-eval");
    }
    Dataset test = Datasets.load(name).test().adaptedTo(slim.spec().input().shape());
    try (Forward forward = TfForward.open(slim.spec(), slim.weights())) {
      return AccuracyEvaluator.evaluate(forward, test, card.mean(), card.std(), batchSize);
    }
  }

  private static String compare(Accuracy measured, Double logged, Integer g) {
    if (g == null) {
      return "cut from a folder's weights (no trainer log to compare)";
    }
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
