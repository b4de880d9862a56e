package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.MetricsLog;
import io.kebridge.training.results.RunResult;
import io.kebridge.training.sweep.SummaryFiles;
import io.kebridge.training.sweep.SweepPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A 2 x 2 sweep on the digits data (seeds 1, 2; kels:0.5 and llf:conv3; the long control: 6
 * runs) run locally with --parallel 2, then the same plan run index by index as a
 * cluster would, a sweep killed midway and resumed, and the manifests parsed and their commands
 * checked against the real command tree.
 */
class SweepCommandTest {
  static final String[] SWEEP = {
    "sweep", "--data", "digits", "--arch", "small-cnn", "--width", "4", "--per-class", "20",
    "--generations", "2", "--epochs", "3", "--batch-size", "24", "--seeds", "1,2",
    "--split", "kels:0.5,llf:conv3", "--baseline", "long", "--parallel", "2"
  };

  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Katib's default stdout metrics filter (pkg/metricscollector/v1beta1/common). */
  static final Pattern KATIB = Pattern.compile("([\\w|-]+)\\s*=\\s*([+-]?\\d*(\\.\\d+)?([Ee][+-]?\\d+)?)");

  @TempDir static Path tmp;
  static Path local;
  static CliRun localRun;

  static String[] sweep(Path out, String... more) {
    List<String> a = new ArrayList<>(List.of(SWEEP));
    a.add("--out");
    a.add(out.toString());
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  @BeforeAll
  static void runTheSweepLocally() {
    local = tmp.resolve("local");
    localRun = CliRun.of(sweep(local));
  }

  @Test
  void localSweepRunsEveryPlannedRunInItsOwnProcessAndSummarises() throws Exception {
    assertEquals(0, localRun.exitCode(), localRun.err() + localRun.out());
    SweepPlan plan = SweepPlan.read(local);
    assertEquals(6, plan.rows().size());
    assertTrue(localRun.out().contains("planned 6 runs (2 seeds x 2 splits"), localRun.out());
    assertTrue(localRun.out().contains("running 6, 2 at a time"), localRun.out());
    Matcher pids = Pattern.compile("\\] started \\(pid (\\d+)\\)").matcher(localRun.out());
    List<String> seen = new ArrayList<>();
    while (pids.find()) {
      seen.add(pids.group(1));
    }
    assertEquals(6, seen.stream().distinct().count(), "one JVM per run: " + localRun.out());
    assertFalse(seen.contains(Long.toString(ProcessHandle.current().pid())));
    for (var row : plan.rows()) {
      Path run = SweepPlan.runDirectory(local, row);
      assertTrue(RunResult.read(run).finished(), row.label());
      assertTrue(Files.size(local.resolve("logs").resolve(String.format("%03d.log", row.index())))
          > 0);
      assertEquals(row.baseline() == null, Files.exists(run.resolve("report.html")), row.label());
    }
    assertTrue(Files.readString(local.resolve(SummaryFiles.MARKDOWN_FILE))
        .contains("| KE generation 2 | 2 |"));
    String html = Files.readString(local.resolve(SummaryFiles.HTML_FILE));
    assertTrue(html.contains("<img src=\"accuracy-split-1.png\"") && html.contains(
        "<a href=\"runs/000/report.html\">000</a>"), html);
    assertTrue(html.contains("every generation ends with the whole test split"), html);

    // The summary's statistics against values computed here from the runs' own metrics.
    JsonNode summary = JSON.readTree(local.resolve(SummaryFiles.JSON_FILE).toFile());
    JsonNode kels = summary.get("splits").get(0);
    assertEquals("kels:0.5", kels.get("split").asText());
    double a = last(local, 0).denseAccuracy();
    double b = last(local, 3).denseAccuracy();
    JsonNode gen2 = kels.get("generations").get(1).get("dense");
    double mean = (a + b) / 2;
    double sd = Math.abs(a - b) / Math.sqrt(2);
    assertEquals(mean, gen2.get("mean").asDouble(), 1e-12);
    assertEquals(sd, gen2.get("sd").asDouble(), 1e-12);
    // t(0.975, 1) = 12.7062047 from a table; the interval of the mean is t * sd / sqrt(2)
    assertEquals(mean + 12.7062047 * sd / Math.sqrt(2), gen2.get("high").asDouble(), 1e-6);
    // KE's dense network minus the long control, paired by seed
    double d1 = last(local, 0).denseAccuracy() - last(local, 2).denseAccuracy();
    double d2 = last(local, 3).denseAccuracy() - last(local, 5).denseAccuracy();
    JsonNode denseVsLong = kels.get("differences").get(0);
    assertEquals("long", denseVsLong.get("control").asText());
    assertEquals((d1 + d2) / 2, denseVsLong.get("difference").get("mean").asDouble(), 1e-12);
    assertEquals(Math.abs(d1 - d2) / Math.sqrt(2),
        denseVsLong.get("difference").get("sd").asDouble(), 1e-12);
    assertTrue(denseVsLong.get("sentence").asText().startsWith("KE's dense network (generation"
        + " 2) is "), denseVsLong.toString());
    JsonNode llf = summary.get("splits").get(1);
    List<String> controls = new ArrayList<>();
    llf.get("controls").fieldNames().forEachRemaining(controls::add);
    assertEquals(List.of("long"), controls, "llf has no slim network: no slim-scratch control");
  }

  @Test
  void runningEachIndexByHandGivesTheSameRunsAndSummaryAsTheLocalSweep() throws Exception {
    Path hand = tmp.resolve("by-hand");
    CliRun emit = CliRun.of(sweep(hand, "--emit", "kubernetes", "--image", "ke:test",
        "--volume", "ke-sweeps"));
    assertEquals(0, emit.exitCode(), emit.err());
    assertFalse(Files.exists(hand.resolve("runs")), "--emit plans, it does not run");
    SweepPlan plan = SweepPlan.read(hand);
    assertEquals(SweepPlan.read(local), plan);
    // Each index in a process of its own, as each pod of the Indexed Job runs it (TensorFlow's
    // kernels keep process-wide thread pools: one process per run is what makes runs repeatable).
    for (int i = 0; i < plan.rows().size(); i += 2) {
      List<Process> pair = new ArrayList<>();
      for (int j = i; j < Math.min(i + 2, plan.rows().size()); j++) {
        pair.add(java(tmp.resolve("index-" + j + ".log"), "sweep", "run", hand.toString(),
            "--index", Integer.toString(j)).start());
      }
      for (int j = 0; j < pair.size(); j++) {
        assertTrue(pair.get(j).waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, pair.get(j).exitValue(),
            Files.readString(tmp.resolve("index-" + (i + j) + ".log")));
      }
    }
    CliRun report = CliRun.of("sweep", "report", hand.toString());
    assertEquals(0, report.exitCode(), report.err());
    for (var row : plan.rows()) {
      assertSameRun(SweepPlan.runDirectory(local, row), SweepPlan.runDirectory(hand, row));
    }
    assertEquals(statistics(local), statistics(hand));
    assertTrue(report.out().contains("6 of 6 runs finished"), report.out());

    // A Katib trial's command on the finished plan: each of its metrics is on a line of its own
    // that Katib's default filter reads.
    CliRun trial = CliRun.of("sweep", "run", hand.toString(), "--seed", "1", "--split",
        "kels:0.5");
    assertEquals(0, trial.exitCode(), trial.err());
    List<String> names = new ArrayList<>();
    for (String line : trial.out().split("\n")) {
      Matcher m = KATIB.matcher(line);
      if (m.find()) {
        names.add(m.group(1));
        assertEquals(line.trim(), m.group(0), "nothing but the metric on its line");
      }
    }
    assertEquals(List.of("dense_accuracy", "slim_accuracy", "long_accuracy"), names);
  }

  @Test
  void manifestsRunThePlanWithCommandsTheRealCliAccepts() throws Exception {
    Path dir = tmp.resolve("manifests");
    CliRun emit = CliRun.of(sweep(dir, "--emit", "kubernetes,katib", "--image",
        "registry.example/ke:0.1", "--volume", "ke-sweeps", "--parallelism", "3", "--name",
        "digits-2x2"));
    assertEquals(0, emit.exitCode(), emit.err());
    SweepPlan plan = SweepPlan.read(dir);

    JsonNode job = YAML.readTree(dir.resolve("kubernetes/job.yaml").toFile());
    assertEquals("batch/v1", job.get("apiVersion").asText());
    assertEquals("Job", job.get("kind").asText());
    assertEquals("digits-2x2", job.at("/metadata/name").asText());
    JsonNode spec = job.get("spec");
    assertEquals("Indexed", spec.get("completionMode").asText());
    assertEquals(plan.rows().size(), spec.get("completions").asInt());
    assertEquals(3, spec.get("parallelism").asInt());
    JsonNode pod = spec.at("/template/spec");
    assertEquals("Never", pod.get("restartPolicy").asText());
    assertEquals("ke-sweeps", pod.at("/volumes/0/persistentVolumeClaim/claimName").asText());
    JsonNode c = pod.at("/containers/0");
    assertEquals("registry.example/ke:0.1", c.get("image").asText());
    assertEquals("/sweep", c.at("/volumeMounts/0/mountPath").asText());
    assertEquals("JOB_COMPLETION_INDEX", c.at("/env/0/name").asText());
    assertEquals("metadata.annotations['batch.kubernetes.io/job-completion-index']",
        c.at("/env/0/valueFrom/fieldRef/fieldPath").asText());
    assertEquals(Integer.toString(plan.threadsPerRun()),
        c.at("/resources/requests/cpu").asText());
    for (int i = 0; i < plan.rows().size(); i++) {
      CommandLine.ParseResult r = parse(c, "$(JOB_COMPLETION_INDEX)", Integer.toString(i));
      CommandLine.ParseResult run = r.subcommand().subcommand();
      assertEquals("run", run.commandSpec().name());
      assertEquals(i, (int) run.matchedOptionValue("--index", -1));
      assertEquals(Path.of("/sweep"), run.matchedPositionalValue(0, null));
    }
    JsonNode report = YAML.readTree(dir.resolve("kubernetes/report-job.yaml").toFile());
    assertEquals("digits-2x2-report", report.at("/metadata/name").asText());
    assertEquals("report", parse(report.at("/spec/template/spec/containers/0"), "", "")
        .subcommand().subcommand().commandSpec().name());

    JsonNode katib = YAML.readTree(dir.resolve("katib/experiment.yaml").toFile());
    assertEquals("kubeflow.org/v1beta1", katib.get("apiVersion").asText());
    assertEquals("Experiment", katib.get("kind").asText());
    JsonNode ks = katib.get("spec");
    assertEquals("grid", ks.at("/algorithm/algorithmName").asText());
    assertEquals("StdOut", ks.at("/metricsCollectorSpec/collector/kind").asText());
    assertEquals("dense_accuracy", ks.at("/objective/objectiveMetricName").asText());
    assertEquals(List.of("slim_accuracy", "long_accuracy"),
        strings(ks.at("/objective/additionalMetricNames")));
    assertEquals(List.of("1", "2"), strings(ks.at("/parameters/0/feasibleSpace/list")));
    assertEquals(plan.splits(), strings(ks.at("/parameters/1/feasibleSpace/list")));
    assertEquals(4, ks.get("maxTrialCount").asInt());
    JsonNode tc = ks.at("/trialTemplate/trialSpec/spec/template/spec/containers/0");
    assertEquals(ks.at("/trialTemplate/primaryContainerName").asText(), tc.get("name").asText());
    for (String seed : strings(ks.at("/parameters/0/feasibleSpace/list"))) {
      for (String split : strings(ks.at("/parameters/1/feasibleSpace/list"))) {
        ObjectNode sub = tc.deepCopy();
        String args = YAML.writeValueAsString(sub.get("args"))
            .replace("${trialParameters.seed}", seed).replace("${trialParameters.split}", split);
        sub.set("args", YAML.readTree(args));
        CommandLine.ParseResult run = parse(sub, "", "").subcommand().subcommand();
        assertEquals(Long.parseLong(seed), (long) run.matchedOptionValue("--seed", -1L));
        assertEquals(split, run.matchedOptionValue("--split", ""));
        // every trial maps onto rows of the plan, KE first
        assertEquals(null, plan.rowsFor(Long.parseLong(seed), split).get(0).baseline());
      }
    }
  }

  @Test
  void aSweepKilledMidwayResumesKeepingFinishedRunsAndEndsWithTheSameResults() throws Exception {
    Path killed = tmp.resolve("killed");
    Process parent = java(tmp.resolve("killed.log"), sweep(killed)).start();
    SweepPlan plan = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    int finishedAtKill = -1;
    while (System.nanoTime() < deadline && parent.isAlive()) {
      if (plan == null && SweepPlan.exists(killed)) {
        Thread.sleep(50); // written atomically, but give the rename a moment
        plan = SweepPlan.read(killed);
      }
      if (plan != null) {
        int finished = 0;
        int midway = 0;
        for (var row : plan.rows()) {
          Path run = SweepPlan.runDirectory(killed, row);
          boolean done = Files.exists(run.resolve(MetricsLog.FILE))
              && Files.readString(run.resolve(MetricsLog.FILE)).contains("\"finished\"");
          if (done) {
            finished++;
          } else if (Files.exists(run.resolve("checkpoints/latest.json"))) {
            midway++;
          }
        }
        if (finished >= 1 && midway >= 1) {
          finishedAtKill = finished;
          break;
        }
      }
      Thread.sleep(10);
    }
    assertTrue(parent.isAlive(), "the sweep is still running when it is killed: "
        + Files.readString(tmp.resolve("killed.log")));
    List<ProcessHandle> children = parent.descendants().toList();
    parent.destroyForcibly(); // SIGKILL: no shutdown hook, the children are killed too
    children.forEach(ProcessHandle::destroyForcibly);
    assertTrue(parent.waitFor(30, TimeUnit.SECONDS));
    for (ProcessHandle h : children) {
      h.onExit().get(30, TimeUnit.SECONDS);
    }
    assertNotNull(plan);
    List<Integer> finishedBefore = new ArrayList<>();
    List<Long> stamps = new ArrayList<>();
    for (var row : plan.rows()) {
      Path m = SweepPlan.runDirectory(killed, row).resolve(MetricsLog.FILE);
      if (Files.exists(m) && RunResult.read(m.getParent()).finished()) {
        finishedBefore.add(row.index());
        stamps.add(Files.getLastModifiedTime(m).toMillis());
      }
    }
    assertTrue(finishedBefore.size() >= finishedAtKill && finishedBefore.size() < 6,
        "killed midway: " + finishedBefore);

    CliRun resumed = CliRun.of(sweep(killed));
    assertEquals(0, resumed.exitCode(), resumed.err() + resumed.out());
    assertTrue(resumed.out().contains("resuming the sweep in " + killed), resumed.out());
    assertTrue(resumed.out().contains(finishedBefore.size() + " of 6 runs already finished"),
        resumed.out());
    for (int i = 0; i < finishedBefore.size(); i++) {
      Path m = SweepPlan.runDirectory(killed, plan.row(finishedBefore.get(i)))
          .resolve(MetricsLog.FILE);
      assertEquals(stamps.get(i), Files.getLastModifiedTime(m).toMillis(),
          "finished run " + finishedBefore.get(i) + " is kept as it was");
    }
    for (var row : plan.rows()) {
      assertSameRun(SweepPlan.runDirectory(local, row), SweepPlan.runDirectory(killed, row));
    }
    assertEquals(statistics(local), statistics(killed));
  }

  @Test
  void anotherSweepInTheSameFolderAndAnInvalidOneAreRefusedBeforeAnythingIsWritten()
      throws Exception {
    String[] more = sweep(local);
    more[List.of(more).indexOf("--epochs") + 1] = "4";
    CliRun other = CliRun.of(more);
    assertEquals(1, other.exitCode(), other.out());
    assertTrue(other.err().contains("holds another sweep") && other.err().contains("epochs 3 vs 4"),
        other.err());
    Path bad = tmp.resolve("bad");
    CliRun split = CliRun.of("sweep", "--data", "digits", "--split", "kels:0.5,llf:nowhere",
        "--out", bad.toString());
    assertEquals(1, split.exitCode(), split.out());
    assertTrue(split.err().contains("llf:nowhere"), split.err());
    Path yaml = tmp.resolve("sweep.yaml");
    Files.writeString(yaml, "dataset: digits\nstepEpochs: 0\nseeds: [1, 2]\n");
    CliRun config = CliRun.of("sweep", "--config", yaml.toString(), "--out", bad.toString());
    assertEquals(1, config.exitCode(), config.out());
    assertTrue(config.err().contains("step-epochs"), config.err());
    assertFalse(Files.exists(bad), "nothing written");

    Files.writeString(yaml, "dataset: digits\narchitecture: small-cnn\nwidth: 4\nepochs: 2\n"
        + "seeds: [3, 4, 5]\nsplits: [kels:0.5, kels:0.25]\nbaselines: [long]\n");
    Path fromFile = tmp.resolve("from-file");
    CliRun ok = CliRun.of("sweep", "--config", yaml.toString(), "--epochs", "1", "--out",
        fromFile.toString(), "--emit", "kubernetes", "--image", "i", "--volume", "v");
    assertEquals(0, ok.exitCode(), ok.err());
    SweepPlan plan = SweepPlan.read(fromFile);
    assertEquals(List.of(3L, 4L, 5L), plan.seeds());
    assertEquals(9, plan.rows().size(), "3 seeds x (2 KE + 1 long)");
    assertEquals(1, plan.row(0).config().epochs(), "the option wins over the file");
    CliRun noIndex = CliRun.of("sweep", "run", fromFile.toString());
    assertEquals(2, noIndex.exitCode());
    assertTrue(noIndex.err().contains("JOB_COMPLETION_INDEX"), noIndex.err());
    CliRun outside = CliRun.of("sweep", "run", fromFile.toString(), "--index", "9");
    assertEquals(1, outside.exitCode());
    assertTrue(outside.err().contains("0 to 8"), outside.err());
  }

  @Test
  void aSweepStartsEveryRunFromTheSameInitFromWeights() throws Exception {
    assertEquals(0, localRun.exitCode(), localRun.err());
    Path source = local.resolve("runs/000"); // a finished KE run of the local sweep
    Path dir = tmp.resolve("from-weights");
    CliRun emit = CliRun.of("sweep", "--data", "digits", "--init-from", source.toString(),
        "--per-class", "10", "--generations", "1", "--epochs", "1", "--seeds", "7,8",
        "--baseline", "long", "--out", dir.toString(), "--emit", "kubernetes", "--image", "i",
        "--volume", "v");
    assertEquals(0, emit.exitCode(), emit.err());
    SweepPlan plan = SweepPlan.read(dir);
    String sha = io.kebridge.models.card.SourceFile.sha256(
        source.resolve("generations/gen-002/weights.safetensors"));
    for (var row : plan.rows()) {
      assertEquals(sha, row.config().initFrom().sha256(), "every run records the same file");
      assertEquals("source", row.config().architecture());
    }
    CliRun one = CliRun.of("sweep", "run", dir.toString(), "--index", "0");
    assertEquals(0, one.exitCode(), one.err());
    assertTrue(Files.readAllLines(dir.resolve("runs/000/metrics.jsonl")).get(0)
        .startsWith("{\"type\":\"init\""));
  }

  /** {@code ke ARGS} in a JVM of its own, output to {@code log}. */
  static ProcessBuilder java(Path log, String... args) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    return pb;
  }

  private static CommandLine.ParseResult parse(JsonNode container, String from, String to) {
    List<String> args = new ArrayList<>();
    List<String> command = strings(container.get("command"));
    assertEquals(List.of("ke"), command, "the image's ke command");
    for (String a : strings(container.get("args"))) {
      args.add(from.isEmpty() ? a : a.replace(from, to));
    }
    return new CommandLine(new Main()).parseArgs(args.toArray(String[]::new));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static GenerationRecord last(Path sweep, int index) {
    return RunResult.read(sweep.resolve(String.format("runs/%03d", index))).last();
  }

  /** The runs trained the same: every loss and accuracy bit for bit (timings aside). */
  static void assertSameRun(Path a, Path b) {
    RunResult x = RunResult.read(a);
    RunResult y = RunResult.read(b);
    assertEquals(x.epochs().size(), y.epochs().size(), a + " vs " + b);
    for (int i = 0; i < x.epochs().size(); i++) {
      EpochMetrics p = x.epochs().get(i);
      EpochMetrics q = y.epochs().get(i);
      assertEquals(p.loss(), q.loss(), 0.0, a + " epoch " + p.totalEpoch());
      assertEquals(p.trainAccuracy(), q.trainAccuracy(), 0.0);
      assertEquals(p.denseAccuracy(), q.denseAccuracy());
      assertEquals(p.slimAccuracy(), q.slimAccuracy());
    }
    for (int i = 0; i < x.generations().size(); i++) {
      assertEquals(x.generations().get(i).withTimes(0, 0), y.generations().get(i).withTimes(0, 0));
    }
  }

  /** summary.json without what depends on time. */
  static JsonNode statistics(Path sweep) throws Exception {
    ObjectNode s = (ObjectNode) JSON.readTree(sweep.resolve(SummaryFiles.JSON_FILE).toFile());
    for (JsonNode run : s.get("runs")) {
      ((ObjectNode) run).remove(List.of("seconds", "evaluationSeconds"));
    }
    return s;
  }
}
