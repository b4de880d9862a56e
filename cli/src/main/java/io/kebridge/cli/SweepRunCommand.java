package io.kebridge.cli;

import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Datasets;
import io.kebridge.training.TrainingException;
import io.kebridge.training.ke.GenerationLoop;
import io.kebridge.training.report.HtmlReport;
import io.kebridge.training.results.KeResult;
import io.kebridge.training.results.RunResult;
import io.kebridge.training.sweep.PlanRow;
import io.kebridge.training.sweep.SweepPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke sweep run SWEEP_DIR --index I}: trains one row of a sweep's plan into {@code
 * runs/NNN/} (starting, resuming or just reporting it), what every pod of the Indexed Job and
 * every child of a local sweep runs. {@code --seed S --split X} runs the rows of one (seed, split)
 * pair instead, as a Katib trial does. A lock file keeps two processes from training one run.
 */
@Command(
    name = "run",
    header = "Train one run of a sweep's plan, or continue it from its checkpoint.",
    mixinStandardHelpOptions = true,
    description = {
      "Train one run of a sweep's plan (or continue it from its checkpoint): --index I, or the",
      "JOB_COMPLETION_INDEX environment variable of a Kubernetes Indexed Job; or the runs of one",
      "seed and split (--seed S --split X: KE, its long control, slim-from-scratch), as a Katib",
      "trial does. Ends with name=value metric lines."
    })
public final class SweepRunCommand implements Callable<Integer> {
  /** The environment variable an Indexed Job's pods carry their index in. */
  static final String INDEX_ENV = "JOB_COMPLETION_INDEX";

  @Parameters(index = "0", paramLabel = "SWEEP_DIR", description = "The sweep folder.")
  Path dir;

  @Option(names = "--index", paramLabel = "I",
      description = "Plan row (0-based; default: $" + INDEX_ENV + ").")
  Integer index;

  @Option(names = "--seed", paramLabel = "S", description = "With --split: that pair's runs.")
  Long seed;

  @Option(names = "--split", paramLabel = "SPLIT", description = "With --seed: that pair's runs.")
  String split;

  @Option(names = "--progress", paramLabel = "MODE", defaultValue = "lines",
      description = "lines (default) or bar.")
  String progress;

  @Option(names = "--parent-pid", paramLabel = "PID", hidden = true,
      description = "Stop (at the next step, checkpoint kept) when this process is gone.")
  Long parentPid;

  @Spec CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    PrintWriter o = command.commandLine().getOut();
    SweepPlan plan = SweepPlan.read(dir);
    List<PlanRow> rows = rows(plan);
    DataSplits data = Datasets.load(rows.get(0).config().dataset());
    boolean bar = "bar".equalsIgnoreCase(progress);
    for (PlanRow row : rows) {
      RunResult r = runLocked(row, data, o, bar);
      if (!r.finished()) {
        throw new TrainingException("run " + row.label() + " was stopped; run the same command "
            + "to resume it from its checkpoint");
      }
    }
    return 0;
  }

  private List<PlanRow> rows(SweepPlan plan) {
    if ((seed == null) != (split == null)) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--seed and --split go together");
    }
    if (seed != null) {
      if (index != null) {
        throw new CommandLine.ParameterException(command.commandLine(),
            "give --index or --seed with --split, not both");
      }
      return plan.rowsFor(seed, split);
    }
    int i;
    if (index != null) {
      i = index;
    } else {
      String env = System.getenv(INDEX_ENV);
      if (env == null || env.isBlank()) {
        throw new CommandLine.ParameterException(command.commandLine(),
            "give --index I (or set " + INDEX_ENV + "), or --seed S with --split X");
      }
      try {
        i = Integer.parseInt(env.trim());
      } catch (NumberFormatException e) {
        throw new CommandLine.ParameterException(command.commandLine(),
            INDEX_ENV + " must be a plan index, got '" + env + "'");
      }
    }
    return List.of(plan.row(i));
  }

  private RunResult runLocked(PlanRow row, DataSplits data, PrintWriter o, boolean bar) {
    Path runDir = SweepPlan.runDirectory(dir, row);
    Path lockFile = dir.resolve("locks").resolve(String.format(Locale.ROOT, "%03d.lock",
        row.index()));
    try {
      Files.createDirectories(lockFile.getParent());
    } catch (IOException e) {
      throw new TrainingException("cannot create " + lockFile.getParent() + ": " + e.getMessage(),
          e);
    }
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        FileLock lock = acquire(ch, row, o)) {
      GenerationLoop loop = GenerationLoop.open(row.config(), row.baseline(), data, runDir);
      o.printf(Locale.ROOT, "run %s -> %s%n", row.label(), runDir);
      o.flush();
      TrainProgress listener = new TrainProgress(o, bar);
      loop.addListener(listener);
      Thread watch = watchParent(loop);
      RunResult r;
      try {
        r = Cancellation.run(loop::run, loop::cancel);
      } finally {
        listener.finish();
        if (watch != null) {
          watch.interrupt();
        }
      }
      if (row.baseline() == null) {
        HtmlReport.write(runDir, row.config(), new KeResult(r, Map.of()));
      }
      if (r.finished()) {
        if (row.baseline() == null) {
          MetricLines.printKe(o, r);
        } else {
          MetricLines.printBaseline(o, row.baseline(), r);
        }
        o.flush();
      }
      return r;
    } catch (IOException e) {
      throw new TrainingException("cannot lock " + lockFile + ": " + e.getMessage(), e);
    }
  }

  /** Waits while another process trains the run (an orphan of a killed sweep, a retried pod). */
  private static FileLock acquire(FileChannel ch, PlanRow row, PrintWriter o) throws IOException {
    boolean said = false;
    while (true) {
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // this JVM already trains it (another thread)
      }
      if (lock != null) {
        return lock;
      }
      if (!said) {
        o.printf(Locale.ROOT, "run %s is being trained by another process; waiting for it%n",
            row.label());
        o.flush();
        said = true;
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TrainingException("interrupted while waiting for run " + row.label(), e);
      }
    }
  }

  /** Cancels the loop when the launching sweep process is gone (it was killed). */
  private Thread watchParent(GenerationLoop loop) {
    if (parentPid == null) {
      return null;
    }
    Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
    Thread t = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        if (parent.isEmpty() || !parent.get().isAlive()) {
          loop.cancel();
          return;
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "ke-parent-watch");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
