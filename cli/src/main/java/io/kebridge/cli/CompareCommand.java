package io.kebridge.cli;

import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.KeResult;
import io.kebridge.training.results.RunResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke compare}: several runs of one recipe (different seeds) side by side: mean and spread
 * of dense and slim test accuracy per generation, and of every baseline the runs trained.
 */
@Command(
    name = "compare",
    header = "Mean and standard deviation of accuracy per generation over several runs.",
    mixinStandardHelpOptions = true,
    description = {
      "Mean and sample standard deviation of dense and slim test accuracy per generation over",
      "several runs (typically seeds), and of their baselines (long, slim-scratch)."
    })
public final class CompareCommand implements Runnable {

  @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "Training run directories.")
  List<Path> runs;

  @Option(names = "--markdown", description = "Print a Markdown table.")
  boolean markdown;

  @Spec CommandLine.Model.CommandSpec command;

  /** Accuracies of one row (a generation or a baseline) over the runs. */
  record Row(String label, List<Double> dense, List<Double> slim) {}

  @Override
  public void run() {
    Map<Integer, Row> generations = new TreeMap<>();
    Map<String, Row> baselines = new TreeMap<>();
    for (Path run : runs) {
      KeResult r = KeResult.read(run);
      for (GenerationRecord g : r.generations()) {
        Row row = generations.computeIfAbsent(g.generation(),
            k -> new Row("generation " + k, new ArrayList<>(), new ArrayList<>()));
        row.dense().add(g.denseAccuracy());
        if (g.slimAccuracy() != null) {
          row.slim().add(g.slimAccuracy());
        }
      }
      for (Map.Entry<Baseline, RunResult> b : r.baselines().entrySet()) {
        GenerationRecord last = b.getValue().last();
        if (last != null) {
          String name = b.getKey().label();
          baselines.computeIfAbsent(name, k -> new Row("baseline " + k, new ArrayList<>(),
              new ArrayList<>())).dense().add(last.denseAccuracy());
        }
      }
    }
    List<Row> rows = new ArrayList<>(generations.values());
    rows.addAll(baselines.values());
    PrintWriter out = command.commandLine().getOut();
    if (markdown) {
      out.println("| | runs | dense accuracy | slim accuracy |");
      out.println("| --- | --- | --- | --- |");
      for (Row r : rows) {
        out.printf(Locale.ROOT, "| %s | %d | %s | %s |%n", r.label(), r.dense().size(),
            stat(r.dense()), stat(r.slim()));
      }
    } else {
      out.printf(Locale.ROOT, "%-26s %5s %20s %20s%n", "", "runs", "dense accuracy",
          "slim accuracy");
      for (Row r : rows) {
        out.printf(Locale.ROOT, "%-26s %5d %20s %20s%n", r.label(), r.dense().size(),
            stat(r.dense()), stat(r.slim()));
      }
    }
    out.flush();
  }

  /** {@code mean ± sd} in percent, the sample standard deviation; "-" without values. */
  static String stat(List<Double> v) {
    if (v.isEmpty()) {
      return "-";
    }
    double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    if (v.size() == 1) {
      return String.format(Locale.ROOT, "%.2f%%", 100 * mean);
    }
    double ss = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
    return String.format(Locale.ROOT, "%.2f%% ± %.2f", 100 * mean,
        100 * Math.sqrt(ss / (v.size() - 1)));
  }
}
