package io.kebridge.cli;

import io.kebridge.training.TrainingException;
import io.kebridge.training.graph.TfDevice;
import io.kebridge.training.ke.Baseline;
import io.kebridge.training.ke.GenerationResult;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.ke.KeResult;
import io.kebridge.training.ke.KeTrainer;
import io.kebridge.training.ke.ReinitRule;
import io.kebridge.training.optim.LrSchedule;
import io.kebridge.training.report.HtmlReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ke train}: a Knowledge Evolution run (or the continuation of one) into a run directory.
 * Values come from the recipe defaults, then the {@code --config} file, then the options given.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train a network with Knowledge Evolution on TensorFlow: G generations of E epochs; before",
      "every generation after the first the reset hypothesis is re-initialised. Writes RUN_DIR",
      "with config.json, spec.json, card.json, generations/gen-NNN/{weights,masks}.safetensors,",
      "metrics.jsonl, resume checkpoints and report.html. Defaults follow the KE recipe scaled",
      "to 2 CPU cores; a --config JSON/YAML file sets values that options then override."
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

  @Option(names = "--data", paramLabel = "NAME|PATH",
      description = "Dataset (default fashion-mnist-small; digits, fashion-mnist, or a path).")
  String data;

  @Option(names = "--per-class", paramLabel = "N",
      description = "Use N training images per class (default: all).")
  Integer perClass;

  @Option(names = "--arch", paramLabel = "ARCH",
      description = "small-cnn (default), resnet18, resnet34, vgg11-bn.")
  String arch;

  @Option(names = "--width", paramLabel = "W",
      description = "Base width (default: the architecture's own).")
  Integer width;

  @Option(names = "--stem", paramLabel = "STEM",
      description = "ResNet stem: auto (default), cifar, imagenet.")
  String stem;

  @Option(names = "--generations", paramLabel = "G", description = "Generations (default 3).")
  Integer generations;

  @Option(names = "--epochs", paramLabel = "E", description = "Epochs per generation (default 10).")
  Integer epochs;

  @Option(names = "--batch-size", paramLabel = "B", description = "Batch size (default 32).")
  Integer batchSize;

  @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default 0.05).")
  Double lr;

  @Option(names = "--weight-decay", paramLabel = "WD", description = "Weight decay (default 1e-4).")
  Double weightDecay;

  @Option(names = "--label-smoothing", paramLabel = "EPS",
      description = "Label smoothing (default 0.1).")
  Double labelSmoothing;

  @Option(names = "--schedule", paramLabel = "KIND",
      description = "Learning-rate schedule: cosine (default, with warm-up), step, constant.")
  String schedule;

  @Option(names = "--warmup-epochs", paramLabel = "N",
      description = "Linear warm-up epochs per generation (default 1).")
  Integer warmupEpochs;

  @Option(names = "--split", paramLabel = "SPLIT",
      description = "kels:S (default kels:0.5), wels:S or llf:LAYER.")
  String split;

  @Option(names = "--redraw-split", description = "Draw a new WELS mask every generation.")
  Boolean redrawSplit;

  @Option(names = "--reinit", paramLabel = "RULE",
      description = "Re-init of the reset hypothesis: reference (default), initial, zero.")
  String reinit;

  @Option(names = "--seed", paramLabel = "S", description = "Seed (default 0).")
  Long seed;

  @Option(names = "--flip", description = "Random horizontal flips (off by default: digits).")
  Boolean flip;

  @Option(names = "--no-augment", description = "No training augmentation.")
  boolean noAugment;

  @Option(names = "--eval-every-epoch", negatable = true,
      description = "Evaluate dense and slim after every epoch (default on).")
  Boolean evalEveryEpoch;

  @Option(names = "--baseline", paramLabel = "KIND", split = ",",
      description = "Control runs beside KE: long, slim-scratch (repeatable or comma-separated).")
  List<String> baselines;

  @Option(names = "--device", paramLabel = "DEV",
      description = "cpu (default) or gpu (needs the -Pgpu build; fails when no GPU is usable).")
  String device;

  @Option(names = "--threads", paramLabel = "N",
      description = "TensorFlow threads (default: TensorFlow's choice).")
  Integer threads;

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
    KeResult result = runCancellable(trainer);
    listener.finish();
    if (result.cancelled()) {
      throw new TrainingException("training cancelled; continue with: ke train --resume "
          + trainer.runDirectory());
    }
    summary(o, result);
    return 0;
  }

  /** Runs the trainer; Ctrl-C cancels it at the next step so the last checkpoint stays valid. */
  private static KeResult runCancellable(KeTrainer trainer) {
    CountDownLatch done = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              trainer.cancel();
              try {
                done.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "ke-train-cancel");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return trainer.run();
    } finally {
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already exiting: the hook has cancelled the run and is waiting for us
      }
    }
  }

  private static void summary(PrintWriter o, KeResult r) {
    o.printf(Locale.ROOT, "%-12s %10s %10s %10s%n", "generation", "dense", "slim", "seconds");
    for (GenerationResult g : r.generations()) {
      o.printf(Locale.ROOT, "%-12d %10s %10s %10.1f%n", g.generation(),
          TrainProgress.pct(g.denseAccuracy()), TrainProgress.pct(g.slimAccuracy()), g.seconds());
    }
    for (Map.Entry<Baseline, KeResult> b : r.baselines().entrySet()) {
      GenerationResult g = b.getValue().last();
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
    if (data != null) {
      b.dataset(data);
    }
    if (perClass != null) {
      b.perClass(perClass);
    }
    if (arch != null) {
      b.architecture(arch);
    }
    if (width != null) {
      b.width(width);
    }
    if (stem != null) {
      b.stem(stem);
    }
    if (generations != null) {
      b.generations(generations);
    }
    if (epochs != null) {
      b.epochs(epochs);
    }
    if (batchSize != null) {
      b.batchSize(batchSize);
    }
    if (lr != null) {
      b.learningRate(lr);
    }
    if (weightDecay != null) {
      b.weightDecay(weightDecay);
    }
    if (labelSmoothing != null) {
      b.labelSmoothing(labelSmoothing);
    }
    if (schedule != null) {
      b.schedule(LrSchedule.Kind.parse(schedule));
    }
    if (warmupEpochs != null) {
      b.warmupEpochs(warmupEpochs);
    }
    if (split != null) {
      b.split(split);
    }
    if (redrawSplit != null) {
      b.redrawSplit(redrawSplit);
    }
    if (reinit != null) {
      b.reinit(ReinitRule.parse(reinit));
    }
    if (seed != null) {
      b.seed(seed);
    }
    if (flip != null) {
      b.flip(flip);
    }
    if (noAugment) {
      b.augment(false);
    }
    if (evalEveryEpoch != null) {
      b.evaluateEveryEpoch(evalEveryEpoch);
    }
    if (baselines != null) {
      b.baselines(baselines.stream().map(Baseline::parse).toList());
    }
    if (device != null) {
      b.device(TfDevice.parse(device));
    }
    if (threads != null) {
      b.threads(threads);
    }
    return b.build();
  }
}
