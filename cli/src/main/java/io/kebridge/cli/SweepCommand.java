package io.kebridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.training.TrainingException;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.sweep.SummaryFiles;
import io.kebridge.training.sweep.SweepPlan;
import io.kebridge.training.sweep.SweepSpec;
import io.kebridge.training.sweep.SweepSummary;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ke sweep}: an experiment over seeds and splits with its controls. Plans every run with
 * its complete config ({@code plan.json}), then either runs the plan here as independent JVM
 * processes, {@code --parallel} at a time with the cores divided between them, and summarises it,
 * or writes a Kubernetes Indexed Job or a Katib Experiment that runs the same plan on a cluster
 * ({@code --emit}). Re-running the same command resumes: finished runs are kept, killed ones
 * continue from their checkpoints.
 */
@Command(
    name = "sweep",
    header = "Run KE over seeds and splits beside its controls, and summarise the spread.",
    mixinStandardHelpOptions = true,
    subcommands = {SweepRunCommand.class, SweepReportCommand.class},
    description = {
      "Run KE over seeds and splits beside its controls (long, slim-scratch) and summarise the",
      "spread: plan.json (every run's config), runs/NNN/ (one run folder each), summary.md,",
      "summary.json and report.html (mean, sd and 95%% interval over seeds, KE minus each",
      "control in words). Runs are separate JVMs, --parallel at a time; re-running the same",
      "command resumes. --emit kubernetes|katib writes cluster manifests for the same plan",
      "instead of running it; 'ke sweep run' runs one index, 'ke sweep report' summarises."
    })
public final class SweepCommand implements Callable<Integer> {
  /** Keys a sweep file adds to the {@link KeConfig} keys. */
  static final List<String> SWEEP_KEYS = List.of("seeds", "splits");

  @Option(names = "--out", paramLabel = "SWEEP_DIR",
      description = "Folder of the sweep (a new one, or the same as before to resume).")
  Path out;

  @Option(names = "--config", paramLabel = "FILE",
      description = "JSON or YAML file with the same keys: KeConfig keys (dataset, architecture,"
          + " epochs, ...) plus seeds, splits and baselines as lists.")
  Path configFile;

  @Option(names = "--seeds", split = ",", paramLabel = "S",
      description = "Seeds, comma-separated (default: the config's seed, 0).")
  List<Long> seeds;

  @Option(names = "--split", split = ",", paramLabel = "SPLIT",
      description = "Splits, comma-separated: kels:S, wels:S, llf:LAYER (default kels:0.5).")
  List<String> splits;

  @Option(names = "--baseline", split = ",", paramLabel = "KIND",
      description = "Controls: long (one per seed), slim-scratch (per seed and kels split).")
  List<String> baselines;

  @Mixin(name = "training") TrainingOptions training;

  @Option(names = "--parallel", paramLabel = "N",
      description = "Runs at once (default: what finished soonest when measured: one per core,"
          + " one TensorFlow thread each, no more than there are runs; see the README). Threads"
          + " per run are the cores divided by N unless --threads is given. Runs start longest"
          + " first: KE, then the long controls, then slim-from-scratch.")
  Integer parallel;

  @Option(names = "--emit", split = ",", paramLabel = "KIND",
      description = "Write manifests instead of running: kubernetes (an Indexed Job, one pod per"
          + " run, and a report Job), katib (a Katib Experiment over the seeds and splits).")
  List<String> emit;

  @Option(names = "--image", paramLabel = "IMAGE",
      description = "Container image with the ke command on its PATH (for --emit).")
  String image;

  @Option(names = "--volume", paramLabel = "CLAIM",
      description = "PersistentVolumeClaim (ReadWriteMany) that holds the sweep folder for "
          + "--emit; mounted at --mount-path.")
  String volume;

  @Option(names = "--mount-path", paramLabel = "PATH", defaultValue = "/sweep",
      description = "Where the pods see the sweep folder (default: ${DEFAULT-VALUE}).")
  String mountPath;

  @Option(names = "--parallelism", paramLabel = "P",
      description = "Pods (or Katib trials) at once on the cluster (default: all runs).")
  Integer parallelism;

  @Option(names = "--name", paramLabel = "NAME",
      description = "Name of the Job / Experiment (default: from the sweep folder's name).")
  String name;

  @Spec CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    PrintWriter o = command.commandLine().getOut();
    if (out == null) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--out SWEEP_DIR is required (or use 'ke sweep run' / 'ke sweep report')");
    }
    List<String> kinds = emit == null ? List.of() : emit.stream()
        .map(k -> k.trim().toLowerCase(Locale.ROOT)).toList();
    for (String k : kinds) {
      if (!k.equals("kubernetes") && !k.equals("katib")) {
        throw new CommandLine.ParameterException(command.commandLine(),
            "--emit takes kubernetes or katib, got " + k);
      }
    }
    if (!kinds.isEmpty() && (image == null || volume == null)) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--emit needs --image IMAGE (with ke on its PATH) and --volume CLAIM");
    }
    if (parallel != null && parallel < 1) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--parallel must be at least 1, got " + parallel);
    }
    if (parallelism != null && parallelism < 1) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--parallelism must be at least 1, got " + parallelism);
    }
    SweepPlan plan = plan(o);
    if (!kinds.isEmpty()) {
      ClusterManifests.Settings s = new ClusterManifests.Settings(
          name != null ? name : ClusterManifests.name(out), image, volume, mountPath,
          parallelism != null ? parallelism : plan.rows().size());
      for (String k : kinds) {
        for (Path f : k.equals("kubernetes")
            ? ClusterManifests.writeKubernetes(out, plan, s)
            : List.of(ClusterManifests.writeKatib(out, plan, s))) {
          o.printf(Locale.ROOT, "wrote %s%n", f);
        }
      }
      o.printf(Locale.ROOT, "copy %s onto the volume %s (it is %s in the pods), then: %s%n", out,
          volume, mountPath, kinds.contains("kubernetes")
              ? "kubectl apply -f " + out.resolve("kubernetes/job.yaml")
                  + "; when it completes, kubectl apply -f "
                  + out.resolve("kubernetes/report-job.yaml")
              : "kubectl apply -f " + out.resolve("katib/experiment.yaml")
                  + "; when it completes, ke sweep report " + mountPath);
      o.flush();
      return 0;
    }
    int at = parallel != null ? parallel : SweepLauncher.defaultParallel(plan.rows().size(),
        plan.threadsPerRun());
    SweepLauncher.Outcome outcome = new SweepLauncher(out, plan, at, o).run();
    SweepSummary summary = SweepSummary.of(plan, out);
    String md = SummaryFiles.write(out, plan, summary);
    o.println();
    o.print(md);
    o.printf(Locale.ROOT, "%nsummary: %s, %s; report %s; %.1f s%n",
        out.resolve(SummaryFiles.MARKDOWN_FILE), out.resolve(SummaryFiles.JSON_FILE),
        out.resolve(SummaryFiles.HTML_FILE), outcome.seconds());
    o.flush();
    if (!outcome.failed().isEmpty()) {
      throw new TrainingException(outcome.failed().size() + " of " + plan.rows().size()
          + " runs did not finish (" + String.join(", ", outcome.failed().stream().sorted()
              .toList()) + "); their logs are "
          + "in " + out.resolve(SweepLauncher.LOGS) + "; re-run the same command to resume");
    }
    return 0;
  }

  /**
   * The plan of this command: a new one (checked against the data, then written), or the one
   * already in {@code --out} when it is the same sweep (resume). Nothing is written when anything
   * is invalid.
   */
  private SweepPlan plan(PrintWriter o) {
    KeConfig.Builder b;
    List<Long> fileSeeds = null;
    List<String> fileSplits = null;
    if (configFile != null) {
      ObjectNode tree = KeConfig.readTree(configFile);
      fileSeeds = longs(tree.remove("seeds"), "seeds");
      fileSplits = strings(tree.remove("splits"), "splits");
      if (fileSeeds != null && tree.has("seed") || fileSplits != null && tree.has("split")) {
        throw new TrainingException("invalid config file " + configFile + ": give seeds or seed,"
            + " splits or split, not both");
      }
      b = KeConfig.fromTree(tree, configFile);
    } else {
      b = KeConfig.builder();
    }
    training.apply(b);
    KeConfig base = b.build().resolved(); // every run records the same starting weights
    List<Long> s = seeds != null ? seeds : fileSeeds != null ? fileSeeds : List.of(base.seed());
    List<String> sp = splits != null ? splits : fileSplits != null ? fileSplits
        : List.of(base.split());
    List<Baseline> bl = baselines != null
        ? baselines.stream().map(Baseline::parse).toList() : base.baselines();
    KeConfig unthreaded = base.toBuilder().threads(0).build();
    int threads = training.threads != null ? training.threads
        : parallel != null ? Math.max(1, SweepLauncher.cores() / parallel)
        : SweepLauncher.defaultThreads(new SweepSpec(unthreaded, s, sp, bl, 0).rows().size());
    SweepPlan plan = SweepPlan.of(new SweepSpec(unthreaded, s, sp, bl, threads));
    if (SweepPlan.exists(out)) {
      SweepPlan existing = SweepPlan.read(out);
      String diff = differences(existing, plan);
      if (diff != null) {
        throw new TrainingException(out + " holds another sweep (" + diff + "); choose another "
            + "--out, or repeat that sweep's own command to resume it");
      }
      if (existing.threadsPerRun() != plan.threadsPerRun()) {
        o.printf(Locale.ROOT, "note: %s fixes %d TensorFlow thread(s) per run (results depend "
            + "on it); keeping that%n", out.resolve(SweepPlan.FILE), existing.threadsPerRun());
      }
      o.printf(Locale.ROOT, "resuming the sweep in %s (%d runs)%n", out, existing.rows().size());
      o.flush();
      return existing;
    }
    RunDirectory.requireNewOrEmpty(out);
    DataSplits data = Datasets.load(base.dataset());
    plan.check(data);
    plan.write(out);
    o.printf(Locale.ROOT, "planned %d runs (%d seeds x %d splits, controls %s) with %d thread(s) "
        + "each: %s%n", plan.rows().size(), plan.seeds().size(), plan.splits().size(),
        plan.baselines().isEmpty() ? "none"
            : plan.baselines().stream().map(Baseline::label).toList(), plan.threadsPerRun(),
        out.resolve(SweepPlan.FILE));
    o.flush();
    return plan;
  }

  /** Where two plans differ apart from the threads per run, or null when they are the same. */
  static String differences(SweepPlan existing, SweepPlan wanted) {
    if (existing.rows().size() != wanted.rows().size()) {
      return existing.rows().size() + " runs planned, " + wanted.rows().size() + " asked for";
    }
    for (int i = 0; i < existing.rows().size(); i++) {
      var a = existing.rows().get(i);
      var w = wanted.rows().get(i);
      KeConfig ac = a.config().toBuilder().threads(0).build();
      KeConfig wc = w.config().toBuilder().threads(0).build();
      if (!a.run().equals(w.run()) || a.seed() != w.seed() || !ac.equals(wc)) {
        return "run " + a.label() + " vs " + w.label()
            + (ac.equals(wc) ? "" : ", config " + configDifference(ac, wc));
      }
    }
    return null;
  }

  private static String configDifference(KeConfig a, KeConfig b) {
    try {
      var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
      JsonNode x = mapper.readTree(a.toJson());
      JsonNode y = mapper.readTree(b.toJson());
      List<String> d = new ArrayList<>();
      x.fieldNames().forEachRemaining(k -> {
        if (!x.get(k).equals(y.get(k))) {
          d.add(k + " " + x.get(k) + " vs " + y.get(k));
        }
      });
      return String.join(", ", d);
    } catch (java.io.IOException e) {
      return "unreadable";
    }
  }

  private List<Long> longs(JsonNode n, String key) {
    if (n == null) {
      return null;
    }
    List<Long> out = new ArrayList<>();
    for (JsonNode v : n.isArray() ? n : List.of(n)) {
      if (!v.canConvertToLong() || !(v.isIntegralNumber() || v.isTextual())) {
        throw new TrainingException("invalid config file " + configFile + ": " + key
            + " must be a list of whole numbers, got " + v);
      }
      try {
        out.add(v.isTextual() ? Long.parseLong(v.asText().trim()) : v.asLong());
      } catch (NumberFormatException e) {
        throw new TrainingException("invalid config file " + configFile + ": " + key
            + " must be a list of whole numbers, got " + v, e);
      }
    }
    return out;
  }

  private List<String> strings(JsonNode n, String key) {
    if (n == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (JsonNode v : n.isArray() ? n : List.of(n)) {
      if (!v.isTextual()) {
        throw new TrainingException("invalid config file " + configFile + ": " + key
            + " must be a list of texts, got " + v);
      }
      out.add(v.asText());
    }
    return out;
  }

  /** Memory the machine has, in bytes (for the default parallelism). */
  static long physicalMemory() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory() * 4;
  }
}
