package io.kebridge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.training.TrainingException;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.sweep.SweepPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cluster side of {@code ke sweep --emit}: Kubernetes and Katib manifests, built as YAML
 * trees, that run the same plan with the same commands a local sweep runs. Kubernetes schedules
 * the pods; nothing here schedules anything.
 *
 * <ul>
 *   <li>{@code kubernetes/job.yaml}: an Indexed Job ({@code completionMode: Indexed}), one
 *       completion per plan row, each pod running {@code ke sweep run SWEEP_DIR --index
 *       $(JOB_COMPLETION_INDEX)} on the shared volume; a retried pod resumes from the run's
 *       checkpoint.
 *   <li>{@code kubernetes/report-job.yaml}: a Job running {@code ke sweep report SWEEP_DIR}, to
 *       apply once the Indexed Job completed.
 *   <li>{@code katib/experiment.yaml}: a Katib Experiment (grid over the seeds and splits); each
 *       trial runs {@code ke sweep run SWEEP_DIR --seed S --split X} and Katib's stdout collector
 *       reads its {@code name=value} metric lines.
 * </ul>
 */
final class ClusterManifests {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

  private ClusterManifests() {}

  /**
   * What the manifests need besides the plan.
   *
   * @param name the Job's or Experiment's name (a DNS label)
   * @param image a container image with {@code ke} on its PATH
   * @param claim the PersistentVolumeClaim that holds the sweep folder
   * @param mountPath where the pods mount it: the sweep folder as they see it
   * @param parallelism pods (or trials) at once
   */
  record Settings(String name, String image, String claim, String mountPath, int parallelism) {
    Settings {
      if (!name.matches("[a-z0-9]([-a-z0-9]{0,47}[a-z0-9])?")) {
        throw new TrainingException("the name '" + name + "' is not a Kubernetes name: lower-case"
            + " letters, digits and '-', at most 49 characters, starting and ending with a letter"
            + " or digit");
      }
      if (!mountPath.startsWith("/")) {
        throw new TrainingException("--mount-path must be absolute, got " + mountPath);
      }
    }
  }

  /** A Kubernetes name from the sweep folder's name: {@code runs/My_Sweep} gives my-sweep. */
  static String name(Path sweepDir) {
    Path f = sweepDir.toAbsolutePath().normalize().getFileName();
    String n = (f == null ? "ke-sweep" : f.toString()).toLowerCase(Locale.ROOT)
        .replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    if (n.length() > 49) {
      n = n.substring(0, 49).replaceAll("-+$", "");
    }
    return n.isEmpty() ? "ke-sweep" : n;
  }

  /** Writes the Indexed Job and the report Job; returns their files. */
  static List<Path> writeKubernetes(Path sweepDir, SweepPlan plan, Settings s) {
    Path job = sweepDir.resolve("kubernetes").resolve("job.yaml");
    Path report = sweepDir.resolve("kubernetes").resolve("report-job.yaml");
    int runs = plan.rows().size();
    String head = String.format(Locale.ROOT,
        "# ke sweep: %d runs of %s as a Kubernetes Indexed Job, one pod per plan row.%n"
            + "# The pods read and write the sweep folder on the volume claim %s at %s: copy%n"
            + "# plan.json (and a dataset given as a path) there first. A failed pod is retried"
            + " and%n# resumes from its run's checkpoint. Then: kubectl apply -f job.yaml%n"
            + "#   kubectl wait --for=condition=complete --timeout=72h job/%s%n"
            + "#   kubectl apply -f report-job.yaml   (writes summary.md, summary.json, "
            + "report.html)%n",
        runs, s.mountPath(), s.claim(), s.mountPath(), s.name());
    write(job, head, indexedJob(plan, s));
    write(report, String.format(Locale.ROOT, "# ke sweep: the summary of %s, once job/%s has "
        + "completed.%n", s.mountPath(), s.name()), reportJob(plan, s));
    return List.of(job, report);
  }

  /** Writes the Katib Experiment; returns its file. */
  static Path writeKatib(Path sweepDir, SweepPlan plan, Settings s) {
    Path file = sweepDir.resolve("katib").resolve("experiment.yaml");
    String head = String.format(Locale.ROOT,
        "# ke sweep: a Katib Experiment over seeds %s and splits %s (grid, %d trials).%n"
            + "# Each trial runs KE for its seed and split, with the controls the plan has for"
            + " them,%n# on the volume claim %s at %s (copy plan.json there first); the long "
            + "control is%n# shared between a seed's trials. Then: kubectl apply -f "
            + "experiment.yaml;%n# ke sweep report %s summarises every run.%n",
        plan.seeds(), plan.splits(), plan.seeds().size() * plan.splits().size(), s.claim(),
        s.mountPath(), s.mountPath());
    write(file, head, experiment(plan, s));
    return file;
  }

  private static void write(Path file, String head, ObjectNode doc) {
    try {
      AtomicFiles.writeString(file, head + YAML.writeValueAsString(doc));
    } catch (IOException e) {
      throw new TrainingException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@code ke sweep run MOUNT --index $(JOB_COMPLETION_INDEX)}. */
  static List<String> indexedArgs(Settings s) {
    return List.of("sweep", "run", s.mountPath(), "--index",
        "$(" + SweepRunCommand.INDEX_ENV + ")");
  }

  /** {@code ke sweep run MOUNT --seed ${trialParameters.seed} --split ...}. */
  static List<String> trialArgs(Settings s) {
    return List.of("sweep", "run", s.mountPath(), "--seed", "${trialParameters.seed}",
        "--split", "${trialParameters.split}");
  }

  private static ObjectNode indexedJob(SweepPlan plan, Settings s) {
    int runs = plan.rows().size();
    ObjectNode job = jobHead(s.name(), s.name());
    ObjectNode spec = job.putObject("spec");
    spec.put("completionMode", "Indexed");
    spec.put("completions", runs);
    spec.put("parallelism", Math.min(s.parallelism(), runs));
    // Each retry resumes from the run's last checkpoint, so retries are cheap: allow one per run.
    spec.put("backoffLimit", runs);
    ObjectNode container = podTemplate(spec, s, plan.threadsPerRun());
    container.set("args", strings(indexedArgs(s)));
    ArrayNode env = (ArrayNode) container.get("env");
    // Declared, not only injected by the Job controller, so that $(JOB_COMPLETION_INDEX) in args
    // is expanded on every Kubernetes version that has Indexed Jobs.
    ObjectNode index = env.insertObject(0);
    index.put("name", SweepRunCommand.INDEX_ENV);
    index.putObject("valueFrom").putObject("fieldRef")
        .put("fieldPath", "metadata.annotations['batch.kubernetes.io/job-completion-index']");
    return job;
  }

  private static ObjectNode reportJob(SweepPlan plan, Settings s) {
    ObjectNode job = jobHead(s.name() + "-report", s.name());
    ObjectNode spec = job.putObject("spec");
    spec.put("backoffLimit", 2);
    ObjectNode container = podTemplate(spec, s, 1);
    container.set("args", strings(List.of("sweep", "report", s.mountPath())));
    return job;
  }

  private static ObjectNode jobHead(String name, String instance) {
    ObjectNode job = YAML.createObjectNode();
    job.put("apiVersion", "batch/v1");
    job.put("kind", "Job");
    ObjectNode meta = job.putObject("metadata");
    meta.put("name", name);
    labels(meta, instance);
    return job;
  }

  private static void labels(ObjectNode meta, String instance) {
    ObjectNode l = meta.putObject("labels");
    l.put("app.kubernetes.io/name", "ke-sweep");
    l.put("app.kubernetes.io/instance", instance);
  }

  /** Fills {@code jobSpec.template} with one {@code ke} container; returns the container. */
  private static ObjectNode podTemplate(ObjectNode jobSpec, Settings s, int threads) {
    ObjectNode template = jobSpec.putObject("template");
    labels(template.putObject("metadata"), s.name());
    ObjectNode pod = template.putObject("spec");
    pod.put("restartPolicy", "Never");
    ObjectNode c = pod.putArray("containers").addObject();
    c.put("name", "ke");
    c.put("image", s.image());
    c.set("command", strings(List.of("ke")));
    ObjectNode tf = c.putArray("env").addObject();
    tf.put("name", "TF_CPP_MIN_LOG_LEVEL");
    tf.put("value", "2");
    ObjectNode res = c.putObject("resources");
    // The plan fixes each run's TensorFlow threads (results depend on them): ask for that many
    // cores so that the pod gets them.
    res.putObject("requests").put("cpu", Integer.toString(Math.max(1, threads)))
        .put("memory", "2Gi");
    res.putObject("limits").put("memory", "4Gi");
    ObjectNode mount = c.putArray("volumeMounts").addObject();
    mount.put("name", "sweep");
    mount.put("mountPath", s.mountPath());
    ObjectNode vol = pod.putArray("volumes").addObject();
    vol.put("name", "sweep");
    vol.putObject("persistentVolumeClaim").put("claimName", s.claim());
    return c;
  }

  private static ObjectNode experiment(SweepPlan plan, Settings s) {
    ObjectNode e = YAML.createObjectNode();
    e.put("apiVersion", "kubeflow.org/v1beta1");
    e.put("kind", "Experiment");
    ObjectNode meta = e.putObject("metadata");
    meta.put("name", s.name());
    labels(meta, s.name());
    ObjectNode spec = e.putObject("spec");
    ObjectNode objective = spec.putObject("objective");
    objective.put("type", "maximize");
    objective.put("objectiveMetricName", MetricLines.DENSE);
    List<String> extra = new ArrayList<>();
    if (plan.splits().stream().anyMatch(x -> SplitPlan.parse(x, 0) instanceof KelsPlan)) {
      extra.add(MetricLines.SLIM);
    }
    for (Baseline b : plan.baselines()) {
      extra.add(MetricLines.of(b));
    }
    objective.set("additionalMetricNames", strings(extra));
    ArrayNode strategies = objective.putArray("metricStrategies");
    List<String> all = new ArrayList<>(List.of(MetricLines.DENSE));
    all.addAll(extra);
    for (String m : all) {
      // each trial prints its final accuracies once: the latest value is the result
      strategies.addObject().put("name", m).put("value", "latest");
    }
    spec.putObject("algorithm").put("algorithmName", "grid");
    int trials = plan.seeds().size() * plan.splits().size();
    spec.put("parallelTrialCount", Math.min(s.parallelism(), trials));
    spec.put("maxTrialCount", trials);
    spec.put("maxFailedTrialCount", trials);
    spec.putObject("metricsCollectorSpec").putObject("collector").put("kind", "StdOut");
    ArrayNode params = spec.putArray("parameters");
    ObjectNode seedParam = params.addObject();
    seedParam.put("name", "seed");
    seedParam.put("parameterType", "categorical");
    seedParam.putObject("feasibleSpace").set("list",
        strings(plan.seeds().stream().map(String::valueOf).toList()));
    ObjectNode splitParam = params.addObject();
    splitParam.put("name", "split");
    splitParam.put("parameterType", "categorical");
    splitParam.putObject("feasibleSpace").set("list", strings(plan.splits()));
    ObjectNode template = spec.putObject("trialTemplate");
    template.put("primaryContainerName", "ke");
    ArrayNode tp = template.putArray("trialParameters");
    tp.addObject().put("name", "seed").put("reference", "seed")
        .put("description", "the run's seed (data order, initialisation, sample)");
    tp.addObject().put("name", "split").put("reference", "split")
        .put("description", "the KE split (kels:S, wels:S, llf:LAYER)");
    ObjectNode trialSpec = template.putObject("trialSpec");
    trialSpec.put("apiVersion", "batch/v1");
    trialSpec.put("kind", "Job");
    ObjectNode jobSpec = trialSpec.putObject("spec");
    jobSpec.put("backoffLimit", 2);
    ObjectNode container = podTemplate(jobSpec, s, plan.threadsPerRun());
    container.set("args", strings(trialArgs(s)));
    return e;
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode a = YAML.createArrayNode();
    values.forEach(a::add);
    return a;
  }
}
