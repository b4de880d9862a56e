package io.kebridge.cli;

import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.TrainingException;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.ke.KeTrainer;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.KeResult;
import io.kebridge.training.results.RunResult;
import io.kebridge.training.report.HtmlReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ke train}: a Knowledge Evolution run (or the continuation of one) into a run directory.
 * Values come from the recipe defaults, then the {@code --config} file, then the options given.
 */
@Command(
    name = "train",
    header = "Train a network with Knowledge Evolution on TensorFlow.",
    mixinStandardHelpOptions = true,
    description = {
      "Train a network with Knowledge Evolution on TensorFlow: G generations of E epochs; before",
      "every generation after the first the reset hypothesis is re-initialised. Writes RUN_DIR",
      "with config.json, spec.json, card.json, generations/gen-NNN/{weights,masks}.safetensors,",
      "metrics.jsonl, resume checkpoints and report.html, and ends with name=value metric lines",
      "(dense_accuracy, slim_accuracy, long_accuracy, slim_scratch_accuracy) that scripts and",
      "Katib's stdout collector read. Defaults follow the KE recipe scaled to 2 CPU cores; a",
      "--config JSON/YAML file sets values that options then override."
    })
public final class TrainCommand implements Callable<Integer> {

  @Option(names = "--out", paramLabel = "RUN_DIR", description = "Folder for a new run.")
  Path out;

  @Option(names = "--resume", paramLabel = "RUN_DIR",
      description = "Continue the run in RUN_DIR from its last checkpoint, with its saved config.")
  Path resume;

  @Option(names = "--config", paramLabel = "FILE",
      description = "JSON or YAML file with KeConfig keys (dataset, architecture, epochs, ...).")
  Path configFile;

  @Option(names = "--split", paramLabel = "SPLIT",
      description = "kels:S (default kels:0.5), wels:S or llf:LAYER.")
  String split;

  @Option(names = "--seed", paramLabel = "S", description = "Seed (default 0).")
  Long seed;

  @Option(names = "--baseline", paramLabel = "KIND", split = ",",
      description = "Control runs beside KE: long, slim-scratch (repeatable or comma-separated).")
  List<String> baselines;

  @Mixin(name = "training") TrainingOptions training;

  @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
      description = "auto (bar on a terminal, lines otherwise), bar, lines.")
  String progress;

  @Spec CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    PrintWriter o = command.commandLine().getOut();
    if ((out == null) == (resume == null)) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "give either --out RUN_DIR (a new run) or --resume RUN_DIR");
    }
    KeTrainer trainer;
    if (resume != null) {
      List<String> given = trainingOptionsGiven();
      if (!given.isEmpty()) {
        throw new CommandLine.ParameterException(command.commandLine(),
            "--resume continues with the run's saved config; drop " + String.join(", ", given));
      }
      trainer = KeTrainer.resume(resume);
    } else {
      trainer = KeTrainer.create(config(), out);
    }
    KeConfig c = trainer.config();
    o.printf(Locale.ROOT, "device: %s; %s on %s, split %s, seed %d -> %s%n",
        c.device().name().toLowerCase(Locale.ROOT), c.architecture(), c.dataset(), c.split(),
        c.seed(), trainer.runDirectory());
    o.flush();
    boolean bar =
        switch (progress.toLowerCase(Locale.ROOT)) {
          case "bar" -> true;
          case "lines" -> false;
          case "auto" -> System.console() != null;
          default -> throw new CommandLine.ParameterException(command.commandLine(),
              "--progress must be auto, bar or lines, got " + progress);
        };
    TrainProgress listener = new TrainProgress(o, bar);
    trainer.addListener(listener);
    KeResult result = Cancellation.run(trainer::run, trainer::cancel);
    listener.finish();
    HtmlReport.write(trainer.runDirectory(), c, result);
    if (!result.finished()) {
      throw new TrainingException("training cancelled; continue with: ke train --resume "
          + trainer.runDirectory());
    }
    summary(o, result);
    MetricLines.print(o, result);
    return 0;
  }

  private static void summary(PrintWriter o, KeResult r) {
    o.printf(Locale.ROOT, "%-12s %10s %10s %10s%n", "generation", "dense", "slim", "seconds");
    for (GenerationRecord g : r.generations()) {
      o.printf(Locale.ROOT, "%-12d %10s %10s %10.1f%n", g.generation(),
          TrainProgress.pct(g.denseAccuracy()), TrainProgress.pct(g.slimAccuracy()), g.seconds());
    }
    for (Map.Entry<Baseline, RunResult> b : r.baselines().entrySet()) {
      GenerationRecord g = b.getValue().last();
      o.printf(Locale.ROOT, "%-12s %10s %10s %10.1f%n", b.getKey().label(),
          g == null ? "-" : TrainProgress.pct(g.denseAccuracy()), "-", b.getValue().seconds());
    }
    o.printf(Locale.ROOT, "wall time %.1f s; run directory %s; report %s%n", r.seconds(),
        r.runDirectory(), r.runDirectory().resolve(HtmlReport.FILE));
    o.flush();
  }

  private List<String> trainingOptionsGiven() {
    List<String> given = new ArrayList<>();
    for (CommandLine.Model.OptionSpec opt : command.options()) {
      String name = opt.longestName();
      if (command.commandLine().getParseResult().hasMatchedOption(opt)
          && !List.of("--resume", "--progress", "--verbose").contains(name)) {
        given.add(name);
      }
    }
    return given;
  }

  private KeConfig config() {
    KeConfig.Builder b = configFile != null ? KeConfig.read(configFile) : KeConfig.builder();
    training.apply(b);
    if (split != null) {
      b.split(split);
    }
    if (seed != null) {
      b.seed(seed);
    }
    if (baselines != null) {
      b.baselines(baselines.stream().map(Baseline::parse).toList());
    }
    return b.build();
  }
}
