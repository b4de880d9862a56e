package io.kebridge.cli;

import io.kebridge.training.TrainingException;
import io.kebridge.training.results.MetricsLog;
import io.kebridge.training.results.RunResult;
import io.kebridge.training.sweep.PlanRow;
import io.kebridge.training.sweep.SweepPlan;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs a sweep's plan on this machine: every unfinished row as its own JVM ({@code ke sweep run
 * SWEEP_DIR --index I}, the same command a Kubernetes pod runs), {@code parallel} at a time. Each
 * child's output goes to {@code logs/NNN.log}; its generation lines are echoed here with the run's
 * label. Finished runs are skipped, so running the same sweep again resumes it. Ctrl-C (or
 * SIGTERM) stops the children gracefully (each cancels at its next step, its checkpoint valid),
 * and the children stop by themselves when this process dies.
 */
final class SweepLauncher {
  /** The children's logs, relative to the sweep directory. */
  static final String LOGS = "logs";

  private final Path sweepDir;
  private final SweepPlan plan;
  private final int parallel;
  private final PrintWriter out;
  private final Set<Process> running = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;

  /** Which runs did not finish, and how long the sweep took. */
  record Outcome(List<String> failed, double seconds) {}

  SweepLauncher(Path sweepDir, SweepPlan plan, int parallel, PrintWriter out) {
    this.sweepDir = sweepDir;
    this.plan = plan;
    this.parallel = parallel;
    this.out = out;
  }

  /** Cores this JVM may use. */
  static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * TensorFlow threads a run of a sweep of {@code rows} runs gets by default: the cores divided
   * by the runs that fit at once (one run per core, no more than there are runs or than memory
   * holds), so one thread each when there are at least as many runs as cores. Measured on the
   * 2-core machine with the fidelity setting (see docs/bench.md): two one-thread runs at once
   * train 1.2x to 1.4x the images per second of one two-thread run, and evaluate as fast.
   */
  static int defaultThreads(int rows) {
    return Math.max(1, cores() / defaultParallel(rows, 1));
  }

  /**
   * The default number of runs at once for {@code rows} runs of {@code threadsPerRun} threads:
   * the cores divided by the threads, no more runs than there are, and at most one per 1.5 GB of
   * memory (a run's JVM with TensorFlow takes about 0.5 to 1 GB).
   */
  static int defaultParallel(int rows, int threadsPerRun) {
    long byMemory = Math.max(1, SweepCommand.physicalMemory() / (1536L << 20));
    int byCores = Math.max(1, cores() / Math.max(1, threadsPerRun));
    return (int) Math.max(1, Math.min(Math.min(byCores, rows), byMemory));
  }

  /**
   * The order runs are started in: the longest first, so that the last ones to start, while
   * other slots may already be idle, are the shortest. Every run trains the same number of
   * epochs; KE also evaluates after every generation and the slim control trains the smaller
   * network, so KE runs go first, then the long controls, then slim-from-scratch; plan order
   * within each kind.
   */
  static List<PlanRow> launchOrder(List<PlanRow> rows) {
    List<PlanRow> order = new ArrayList<>(rows);
    order.sort(java.util.Comparator.comparingInt(SweepLauncher::weightRank)
        .thenComparingInt(PlanRow::index));
    return order;
  }

  private static int weightRank(PlanRow row) {
    if (row.baseline() == null) {
      return 0;
    }
    return switch (row.baseline()) {
      case LONG -> 1;
      case SLIM_SCRATCH -> 2;
    };
  }

  Outcome run() {
    long t0 = System.nanoTime();
    List<PlanRow> todo = new ArrayList<>();
    int done = 0;
    for (PlanRow row : plan.rows()) {
      if (finished(row)) {
        done++;
      } else {
        todo.add(row);
      }
    }
    out.printf(Locale.ROOT, "%d of %d runs already finished; running %d, %d at a time%n", done,
        plan.rows().size(), todo.size(), Math.min(parallel, Math.max(1, todo.size())));
    out.flush();
    List<String> failed = Collections.synchronizedList(new ArrayList<>());
    if (todo.isEmpty()) {
      return new Outcome(failed, seconds(t0));
    }
    try {
      Files.createDirectories(sweepDir.resolve(LOGS));
    } catch (IOException e) {
      throw new TrainingException("cannot create " + sweepDir.resolve(LOGS) + ": "
          + e.getMessage(), e);
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, todo.size()), r -> {
      Thread t = new Thread(r, "ke-sweep-launcher");
      t.setDaemon(true);
      return t;
    });
    Thread hook = new Thread(this::stopChildren, "ke-sweep-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (PlanRow row : launchOrder(todo)) {
        futures.add(pool.submit(() -> {
          if (!stopping && !launch(row)) {
            failed.add(String.format(Locale.ROOT, "%03d", row.index()));
          }
        }));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stopChildren();
          throw new TrainingException("the sweep was interrupted; re-run it to resume", e);
        } catch (java.util.concurrent.ExecutionException e) {
          throw new TrainingException("a run could not be launched: " + e.getCause().getMessage(),
              e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is stopping the children
      }
    }
    if (stopping) {
      failed.clear();
      for (PlanRow row : todo) {
        if (!finished(row)) {
          failed.add(String.format(Locale.ROOT, "%03d", row.index()));
        }
      }
    }
    return new Outcome(failed, seconds(t0));
  }

  private boolean finished(PlanRow row) {
    Path dir = SweepPlan.runDirectory(sweepDir, row);
    return Files.isRegularFile(dir.resolve(MetricsLog.FILE)) && RunResult.read(dir).finished();
  }

  /** Runs one row in a child JVM; true when it finished. */
  private boolean launch(PlanRow row) {
    Path log = sweepDir.resolve(LOGS).resolve(String.format(Locale.ROOT, "%03d.log", row.index()));
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.addAll(jvmOptions());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of("sweep", "run", sweepDir.toString(), "--index",
        Integer.toString(row.index()), "--progress", "lines", "--parent-pid",
        Long.toString(ProcessHandle.current().pid())));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putIfAbsent("TF_CPP_MIN_LOG_LEVEL", "2");
    long t0 = System.nanoTime();
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new TrainingException("cannot start a JVM for run " + row.label() + ": "
          + e.getMessage(), e);
    }
    running.add(p);
    say("[%s] started (pid %d), log %s", row.label(), p.pid(), log);
    try (BufferedReader r = new BufferedReader(
            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        BufferedWriter w = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      String error = null;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.startsWith("ke: ")) {
          error = line;
        }
        w.write(line);
        w.newLine();
        w.flush();
        if (line.contains(" done: dense ")) {
          say("[%s] %s", row.label(), line);
        }
      }
      int code = p.waitFor();
      boolean ok = code == 0 && finished(row);
      say("[%s] %s in %.1f s", row.label(), ok ? "finished"
          : "stopped (exit " + code + (error == null ? "" : ": " + error) + ")", seconds(t0));
      return ok;
    } catch (IOException e) {
      throw new TrainingException("cannot log run " + row.label() + " to " + log + ": "
          + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      running.remove(p);
    }
  }

  private synchronized void say(String format, Object... args) {
    out.printf(Locale.ROOT, format + "%n", args);
    out.flush();
  }

  /** Asks every child to stop (SIGTERM: it cancels at its next step) and waits for them. */
  private void stopChildren() {
    stopping = true;
    for (Process p : running) {
      p.destroy();
    }
    for (Process p : running) {
      try {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** This JVM's memory, property and module options, which the children inherit. */
  private static List<String> jvmOptions() {
    List<String> keep = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("-agentlib") || a.startsWith("-javaagent") || a.startsWith("-Xrunjdwp")
          || a.startsWith("-Xdebug") || a.startsWith("-XX:+HeapDumpOnOutOfMemoryError")) {
        continue;
      }
      if (a.startsWith("-X") || a.startsWith("-D") || a.startsWith("--enable-native-access")
          || a.startsWith("--add-opens") || a.startsWith("--add-exports")) {
        keep.add(a);
      }
    }
    return keep;
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
