package io.kebridge.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.io.Folders;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.onnx.bench.InferenceBenchmark;
import io.kebridge.onnx.bench.LatencyResult;
import io.kebridge.onnx.repository.ModelRepository;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.bench.GrpcLoad;
import io.kebridge.serve.bench.HttpLoad;
import io.kebridge.serve.bench.LoadClient;
import io.kebridge.serve.bench.LoadReport;
import io.kebridge.serve.bench.PreparedRequest;
import io.kebridge.serve.bench.ServeBenchmark;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.session.SessionSettings;
import io.kebridge.training.bench.TrainBenchmark;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark suite behind {@code ke bench}: training speed and KE step overhead on TensorFlow,
 * dense vs slim inference latency on ONNX Runtime, and server throughput and latency at several
 * concurrencies against raw ONNX Runtime, written as {@code bench.json} and {@code bench.md}. The
 * measuring code is the same the single benchmarks ({@code ke bench train|infer|serve}) use.
 */
final class BenchSuite {
  /** How big the suite is: the full one for the README, a quick one that proves the plumbing. */
  record Size(String trainInput, int trainWidth, int trainWindows, int evalImages,
      String inferInput, int inferClasses, int inferIterations, List<Integer> concurrency,
      Duration serveDuration, Duration serveInitialWarmup) {
    static Size full(Duration serveDuration) {
      return new Size("3x32x32", 0, 5, 2000, "3x224x224", 1000, 50, List.of(1, 4, 16),
          serveDuration, Duration.ofSeconds(10));
    }

    static Size quick() {
      return new Size("3x16x16", 4, 2, 64, "3x32x32", 10, 5, List.of(1, 4),
          Duration.ofMillis(500), Duration.ZERO);
    }
  }

  /**
   * One figure: what was measured, with which setting, its value (the median over the suite's
   * runs) and unit, and each run's value in order.
   */
  record Figure(String benchmark, String setting, String metric, double value, String unit,
      List<Double> runs) {}

  private final Size size;
  private final int runs;
  private final PrintWriter console;
  /** The figures of the run in progress, in the order measured. */
  private final List<Figure> figures = new ArrayList<>();

  /** A suite of {@code runs} runs (at least one; {@code ke bench --runs} checks it). */
  BenchSuite(Size size, int runs, PrintWriter console) {
    this.size = size;
    this.runs = runs;
    this.console = console;
  }

  /**
   * Runs every benchmark {@code runs} times and writes {@code bench.json} and {@code bench.md}
   * into {@code out}. Each figure is the median of its runs: on a shared machine a noisy minute
   * spoils one run's figures, not the summary.
   */
  List<Figure> run(Path out, String command) throws IOException {
    // The ResNet-18 pair the inference and serving benchmarks share, built once (random weights
    // with a fixed seed: every run measures the same files).
    NetworkSpec dense = Architectures.build("resnet18",
        ArchitectureConfig.of(ActivationShape.parse(size.inferInput()), size.inferClasses()));
    NetworkSpec slim = new KelsPlan(0.5).slimSpec(dense);
    ModelProto denseModel = BenchInferCommand.randomModel(dense, NetworkKind.DENSE, "kels:0.5");
    ModelProto slimModel = BenchInferCommand.randomModel(slim, NetworkKind.SLIM, "kels:0.5");
    List<List<Figure>> all = new ArrayList<>();
    for (int r = 1; r <= runs; r++) {
      if (runs > 1) {
        console.printf(Locale.ROOT, "== suite run %d of %d ==%n", r, runs);
      }
      figures.clear();
      Path scratch = Files.createTempDirectory("ke-bench");
      try {
        train(scratch);
        infer(denseModel, slimModel);
        serve(scratch, slim.input().shape(), slimModel);
      } finally {
        Folders.deleteTree(scratch);
      }
      all.add(List.copyOf(figures));
    }
    List<Figure> summary = medians(all);
    String markdown = markdown(command, summary);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("date", LocalDate.now().toString());
    json.put("command", command);
    json.put("runs", runs);
    json.put("machine", machine());
    json.put("figures", summary);
    AtomicFiles.writeString(out.resolve("bench.json"),
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
    AtomicFiles.writeString(out.resolve("bench.md"), markdown);
    console.println();
    console.print(markdown);
    console.printf(Locale.ROOT, "wrote %s and %s%n", out.resolve("bench.json"),
        out.resolve("bench.md"));
    console.flush();
    return summary;
  }

  /** Per figure (first run's order), the median of its values over the runs. */
  static List<Figure> medians(List<List<Figure>> runs) {
    List<Figure> out = new ArrayList<>();
    List<Figure> first = runs.get(0);
    for (int i = 0; i < first.size(); i++) {
      Figure f = first.get(i);
      List<Double> values = new ArrayList<>();
      for (List<Figure> run : runs) {
        Figure g = run.get(i);
        if (!g.benchmark().equals(f.benchmark()) || !g.setting().equals(f.setting())
            || !g.metric().equals(f.metric())) {
          throw new IllegalStateException("suite runs measured different figures: " + f + " and "
              + g);
        }
        values.add(g.value());
      }
      double median = TrainBenchmark.median(values.stream().mapToDouble(Double::doubleValue)
          .toArray());
      out.add(new Figure(f.benchmark(), f.setting(), f.metric(), median, f.unit(), values));
    }
    return out;
  }

  private void add(String benchmark, String setting, String metric, double value, String unit) {
    figures.add(new Figure(benchmark, setting, metric, value, unit, List.of(value)));
    console.printf(Locale.ROOT, "  %-8s %-44s %-28s %12.3f %s%n", benchmark, setting, metric,
        value, unit);
    console.flush();
  }

  private void train(Path scratch) {
    ActivationShape shape = ActivationShape.parse(size.trainInput());
    NetworkSpec spec = Architectures.build("resnet18",
        new ArchitectureConfig(shape, 10, size.trainWidth(), ArchitectureConfig.Stem.IMAGENET));
    console.printf(Locale.ROOT, "training: %s imagenet stem %s, batch 32, 2 threads%n",
        spec.architecture(), shape);
    // The same warm-up and repeats as `ke bench train`'s defaults, so the figures compare.
    TrainBenchmark.Result r = TrainBenchmark.run(new TrainBenchmark.Settings(spec, 32, 2, 5,
        size.trainWindows(), 10, size.evalImages(), 3), scratch.resolve("train"));
    String setting = "resnet18 imagenet-stem " + size.trainInput() + ", batch 32";
    add("train", setting, "training images/s (median)", r.imagesPerSecond(), "img/s");
    add("train", setting, "KE step (re-init+eval+save)", r.keStepSeconds(), "s");
    add("train", setting, "KE step: re-init", r.reinitSeconds(), "s");
    add("train", setting, "KE step: evaluation, dense+slim", r.evalSeconds(),
        "s (" + size.evalImages() + " img)");
    add("train", setting, "KE step: checkpoint+weights", r.saveSeconds(), "s");
    double generation = 1000.0 * 10 / r.imagesPerSecond();
    add("train", setting, "KE step share of a generation",
        100 * r.keStepSeconds() / (generation + r.keStepSeconds()), "% (10 epochs x 1000 img)");
    add("train", setting, "RSS growth over the run",
        (r.rssAfterBytes() - r.rssBeforeBytes()) / 1048576.0, "MiB");
  }

  private void infer(ModelProto denseModel, ModelProto slimModel) {
    // Two threads at batch 1 and 32, as the target; one thread at batch 1 as well, where
    // the slim network's small operators lose nothing to thread hand-offs.
    compareDenseSlim(denseModel, slimModel, 2, List.of(1, 32));
    compareDenseSlim(denseModel, slimModel, 1, List.of(1));
  }

  private void compareDenseSlim(ModelProto denseModel, ModelProto slimModel, int threads,
      List<Integer> batches) {
    console.printf(Locale.ROOT, "inference: resnet18 %s dense vs kels:0.5 slim, ONNX Runtime, "
        + "%d thread(s), interleaved%n", size.inferInput(), threads);
    OrtSettings ort = OrtSettings.defaults().withThreads(threads);
    try (OrtForward d = OrtForward.open(denseModel, ort);
        OrtForward s = OrtForward.open(slimModel, ort)) {
      List<List<LatencyResult>> r = InferenceBenchmark.compare(List.of(d, s),
          new InferenceBenchmark.Settings(batches, 5, size.inferIterations(), ort));
      for (int i = 0; i < r.get(0).size(); i++) {
        LatencyResult dr = r.get(0).get(i);
        LatencyResult sr = r.get(1).get(i);
        String setting = "resnet18 " + size.inferInput() + ", batch " + dr.batch()
            + (threads == 2 ? "" : ", " + threads + " thread" + (threads == 1 ? "" : "s"));
        add("infer", setting, "dense p50", dr.p50Ms(), "ms");
        add("infer", setting, "slim p50", sr.p50Ms(), "ms");
        add("infer", setting, "slim speed-up (p50 ratio)", dr.p50Ms() / sr.p50Ms(), "x");
        add("infer", setting, "slim throughput", sr.imagesPerSecond(), "img/s");
      }
    }
  }

  private void serve(Path scratch, ActivationShape slimInput, ModelProto slimModel) {
    Path repo = scratch.resolve("repository");
    NetworkSpec small = Architectures.build("small-cnn",
        ArchitectureConfig.of(new ActivationShape(1, 28, 28), 10));
    Path smallFile = ModelRepository.write(repo, "small-cnn", 1,
        BenchInferCommand.randomModel(small, NetworkKind.DENSE, "kels:0.5"), 32);
    Path slimFile = ModelRepository.write(repo, "resnet18-slim", 1, slimModel, 32);
    try (InferenceServer server = InferenceServer.start(
        ServerConfig.builder(repo).port(0).grpcPort(0).pollInterval(Duration.ZERO).build())) {
      long[] slimShape = {1, slimInput.channels(), slimInput.height(), slimInput.width()};
      load(server, smallFile, "small-cnn", "JSON",
          new HttpLoad(inferUri(server, "small-cnn"),
              PreparedRequest.of("input", new long[] {1, 1, 28, 28}, false, 7), null));
      load(server, slimFile, "resnet18-slim", "binary",
          new HttpLoad(inferUri(server, "resnet18-slim"),
              PreparedRequest.of("input", slimShape, true, 7), null));
      try (GrpcLoad grpc = new GrpcLoad(server.grpcTarget(),
          GrpcLoad.request("resnet18-slim", null, "input", slimShape, true, 7), null)) {
        load(server, slimFile, "resnet18-slim", "gRPC raw", grpc);
      }
    }
  }

  private static URI inferUri(InferenceServer server, String model) {
    return URI.create(server.url() + "/v2/models/" + model + "/infer");
  }

  private void load(InferenceServer server, Path file, String model, String how,
      LoadClient client) {
    console.printf(Locale.ROOT, "serving: %s, %s requests of one image, %.1f s per client count%n",
        model, how, size.serveDuration().toMillis() / 1000.0);
    ServeBenchmark.Result result = ServeBenchmark.run(new ServeBenchmark.Settings(client,
        size.concurrency(), size.serveInitialWarmup(), size.serveDuration().dividedBy(4),
        size.serveDuration(), 1, file, SessionSettings.defaults(), 32), r -> { });
    double rawMean = result.rawImagesPerSecond();
    add("serve", model + " raw ONNX Runtime, batch 32", "throughput (mean before/after)",
        rawMean, "img/s");
    for (LoadReport r : result.loads()) {
      String setting = model + " " + how + ", " + r.concurrency() + " clients";
      add("serve", setting, "throughput", r.imagesPerSecond(), "img/s");
      add("serve", setting, "throughput / raw ONNX Runtime", result.percentOfRaw(r), "%");
      add("serve", setting, "p50 latency", r.p50Ms(), "ms");
      add("serve", setting, "p99 latency", r.p99Ms(), "ms");
      add("serve", setting, "errors", r.errors(), "");
    }
  }

  private String markdown(String command, List<Figure> summary) {
    StringBuilder b = new StringBuilder();
    b.append("Command: `").append(command).append("`; date ").append(LocalDate.now())
        .append("; machine: ").append(machineLine())
        .append(runs > 1 ? "; each value the median of " + runs + " suite runs" : "")
        .append(".\n\n");
    b.append("| benchmark | setting | figure | value |\n| --- | --- | --- | --- |\n");
    for (Figure f : summary) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s %s |", f.benchmark(),
          f.setting(), f.metric(), format(f.value()), f.unit()).replace("  |", " |"))
          .append('\n');
    }
    return b.toString();
  }

  private static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e9) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.1f", v)
        : String.format(Locale.ROOT, "%.3g", v);
  }

  private static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpu", CpuFeatures.model());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("isa", CpuFeatures.describe());
    m.put("java", System.getProperty("java.runtime.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("ke_bridge", Main.version());
    return m;
  }

  private static String machineLine() {
    return CpuFeatures.model() + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
        + CpuFeatures.describe() + ", Java " + System.getProperty("java.runtime.version");
  }
}
