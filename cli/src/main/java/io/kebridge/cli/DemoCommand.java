package io.kebridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.io.Folders;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.onnx.repository.ModelRepository;
import io.kebridge.prune.cost.CostComparison;
import io.kebridge.prune.cost.Latency;
import io.kebridge.prune.store.SlimFolder;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.report.HtmlReport;
import io.kebridge.training.results.KeResult;
import io.kebridge.training.report.ReportSection;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ke demo}: the whole bridge in one command. Trains a KE run on the embedded data, cuts the
 * slim network out, exports dense and slim ONNX models (with parity checks) into a model
 * repository, serves it on a free loopback port, classifies real test images through the V2 API,
 * and prints dense vs slim accuracy, cost and latency with the report's path. Each step is the
 * same {@code ke} command a user would type, so the demo shows exactly what they would get. It
 * leaves sample images and request bodies ({@link DemoSamples}) for the user's own requests and
 * says how to serve again; {@code --keep-serving} keeps its server up on ke serve's ports.
 */
@Command(
    name = "demo",
    header = "Train, prune, export and serve on the embedded data, end to end.",
    mixinStandardHelpOptions = true,
    description = {
      "Train with KE, prune, export dense and slim ONNX with parity checks, serve them, and",
      "classify real test images through the V2 API, on the embedded data, in a few minutes.",
      "Leaves OUT/samples: one test image per class (sample-3-dress.png, ...) and request.json,",
      "a V2 /infer body for the first of them. --keep-serving then serves until Ctrl-C.",
      "Re-running with the same --out resumes the training and redoes the later steps."
    })
public final class DemoCommand implements Runnable {
  /** The file that marks a folder as a demo's own, so that re-runs may replace its outputs. */
  static final String MARKER = "demo.json";

  static final String DENSE_MODEL = "ke-dense";
  static final String SLIM_MODEL = "ke-slim";

  /** The ports a kept server listens on: ke serve's defaults, which the README's examples use. */
  static final int KEEP_SERVING_PORT = 8000;
  static final int KEEP_SERVING_GRPC_PORT = 8001;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--out", defaultValue = "ke-demo", paramLabel = "DIR",
      description = "Folder for the run, the slim network and the model repository "
          + "(default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--data", defaultValue = Datasets.DEFAULT, paramLabel = "NAME|PATH",
      description = "Dataset (default: ${DEFAULT-VALUE}).")
  String data;

  @Option(names = "--arch", defaultValue = "small-cnn", paramLabel = "ARCH",
      description = "Architecture (default: ${DEFAULT-VALUE}).")
  String arch;

  @Option(names = "--width", defaultValue = "0", paramLabel = "W",
      description = "Base width; 0 = the architecture's default.")
  int width;

  @Option(names = "--generations", defaultValue = "8", paramLabel = "G",
      description = "KE generations (default: ${DEFAULT-VALUE}: enough for the slim network to "
          + "catch up with the dense one on the embedded data).")
  int generations;

  @Option(names = "--epochs", defaultValue = "10", paramLabel = "E",
      description = "Epochs per generation (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--baseline", defaultValue = "long,slim-scratch", split = ",",
      paramLabel = "KIND",
      description = "Controls trained beside KE (default: ${DEFAULT-VALUE}; 'none' for none).")
  List<String> baselines;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed.")
  long seed;

  @Option(names = "--images", defaultValue = "5", paramLabel = "N",
      description = "Test images to classify through the server (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--port", paramLabel = "PORT",
      description = "REST port of the demo's server on 127.0.0.1 (default: a free one; "
          + "with --keep-serving " + KEEP_SERVING_PORT + ", as ke serve, so that the README's "
          + "requests work as written).")
  Integer port;

  @Option(names = "--grpc-port", paramLabel = "PORT",
      description = "gRPC port of the demo's server (default: a free one; with --keep-serving "
          + KEEP_SERVING_GRPC_PORT + ").")
  Integer grpcPort;

  @Option(names = "--keep-serving",
      description = "Keep serving the model repository after the demo until Ctrl-C, on "
          + "127.0.0.1:" + KEEP_SERVING_PORT + " (REST) and " + KEEP_SERVING_GRPC_PORT
          + " (gRPC) unless --port/--grpc-port say otherwise; the ports are checked before "
          + "training.")
  boolean keepServing;

  @Spec CommandLine.Model.CommandSpec command;

  /** What the demo saw from the server: one line per classified image. */
  record Answer(int index, String truth, String slimLabel, double slimProbability,
      String denseLabel) {}

  @Override
  public void run() {
    if (images < 1 || generations < 1 || epochs < 1) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--images, --generations and --epochs must be at least 1");
    }
    int restPort = port != null ? port : keepServing ? KEEP_SERVING_PORT : 0;
    int rpcPort = grpcPort != null ? grpcPort : keepServing ? KEEP_SERVING_GRPC_PORT : 0;
    checkPort("--port", restPort);
    checkPort("--grpc-port", rpcPort);
    PrintWriter console = command.commandLine().getOut();
    prepareFolder();
    Path runDir = out.resolve("run");
    Path slimDir = out.resolve("slim");
    Path repo = out.resolve("repository");

    step(console, 1, "train: Knowledge Evolution on " + data);
    ke(trainArgs(runDir));
    KeResult result = KeResult.read(runDir);
    KeConfig trained = KeConfig.ofRun(runDir);

    step(console, 2, "prune: cut the fit hypothesis out as the slim network, measure its cost");
    ke("prune", runDir.toString(), "--out", slimDir.toString());

    step(console, 3, "export: dense and slim ONNX into a model repository, checked against TF");
    ke("export", runDir.toString(), "--repository", repo.toString(), "--name", DENSE_MODEL);
    ke("export", slimDir.toString(), "--repository", repo.toString(), "--name", SLIM_MODEL);
    Path denseFile = repo.resolve(DENSE_MODEL).resolve("1").resolve(ModelRepository.MODEL_FILE);
    Path slimFile = repo.resolve(SLIM_MODEL).resolve("1").resolve(ModelRepository.MODEL_FILE);

    CostComparison cost = CostComparison.read(slimDir.resolve(SlimFolder.COST_JSON));

    Map<String, Map<String, String>> exported = new LinkedHashMap<>();
    exported.put(DENSE_MODEL, Reports.metadata(denseFile));
    exported.put(SLIM_MODEL, Reports.metadata(slimFile));
    ModelCard denseCard = ModelCard.fromMetadata(exported.get(DENSE_MODEL));
    ModelCard slimCard = ModelCard.fromMetadata(exported.get(SLIM_MODEL));

    step(console, 4, "serve: the repository over the V2 protocol on 127.0.0.1");
    Dataset test = Datasets.load(trained.dataset()).test();
    DemoSamples.Written samples =
        DemoSamples.write(out.resolve(DemoSamples.FOLDER), test, slimCard);
    console.printf(Locale.ROOT, "wrote %s: %d test images, one per class (%s, ...), and %s, "
            + "the /infer body of %s%n", samples.folder(), samples.samples().size(),
        samples.samples().get(0).file().getFileName(), samples.request().getFileName(),
        samples.samples().get(0).file().getFileName());
    try (InferenceServer server = InferenceServer.start(ServerConfig.builder(repo)
        .host("127.0.0.1").port(restPort).grpcPort(rpcPort).build())) {
      console.printf(Locale.ROOT, "serving %s at %s%n", repo, server.url());
      List<Answer> answers = classify(console, server.url(), RunDirectory.open(runDir).card(),
          test);
      HtmlReport.write(runDir, trained, result, List.of(
          Reports.costSection(cost, denseCard.accuracy(), slimCard.accuracy()),
          Reports.paritySection(exported),
          answersSection(answers),
          Reports.environmentSection()));
      summary(console, cost, denseCard, slimCard);
      console.printf(Locale.ROOT, "report: %s%n",
          runDir.resolve(HtmlReport.FILE).toAbsolutePath());
      console.printf(Locale.ROOT, "model repository: %s%n", repo.toAbsolutePath());
      whatNext(console, repo, samples);
      if (keepServing) {
        console.printf(Locale.ROOT, "%nserving %s until Ctrl-C: REST %s, gRPC %s%n", repo,
            server.url(), server.grpcTarget());
        console.printf(Locale.ROOT, "try: %s%n", classifyExample(server.url(), samples));
        console.flush();
        server.awaitStop();
        if (Thread.currentThread().isInterrupted()) {
          console.println("ke demo: stopped");
          console.flush();
        }
      }
    }
  }

  /** Dense beside slim: accuracy, size, cost and latency. */
  private static void summary(PrintWriter console, CostComparison cost, ModelCard denseCard,
      ModelCard slimCard) {
    Latency latency = cost.latency();
    console.println();
    console.println("== summary ==");
    console.printf(Locale.ROOT, "%-8s %10s %14s %16s %14s%n", "network", "accuracy", "params",
        "Ops", "latency (bs 1)");
    console.printf(Locale.ROOT, "%-8s %9.2f%% %,14d %,16d %11.3f ms%n", "dense",
        100 * orZero(denseCard.accuracy()), cost.dense().params(), cost.dense().ops(),
        latency.denseMedianMs());
    console.printf(Locale.ROOT, "%-8s %9.2f%% %,14d %,16d %11.3f ms%n", "slim",
        100 * orZero(slimCard.accuracy()), cost.slim().params(), cost.slim().ops(),
        latency.slimMedianMs());
    console.printf(Locale.ROOT, "slim: %.1f%% fewer Ops, %.2fx faster on ONNX Runtime%n",
        cost.opsReductionPercent(), latency.speedup());
  }

  /** Where the samples are and, unless the server stays up, how to serve them again. */
  private void whatNext(PrintWriter console, Path repo, DemoSamples.Written samples) {
    console.printf(Locale.ROOT, "samples: %s (%s ... %s, %s, %s)%n", samples.folder(),
        samples.samples().get(0).file().getFileName(),
        samples.samples().get(samples.samples().size() - 1).file().getFileName(),
        samples.request().getFileName(), samples.classificationRequest().getFileName());
    if (!keepServing) {
      String ke = program();
      console.printf(Locale.ROOT, "serve them again: %s serve %s --port %d --grpc-port %d "
              + "(or: %s demo --keep-serving), then%n", ke, repo, KEEP_SERVING_PORT,
          KEEP_SERVING_GRPC_PORT, ke);
      console.printf(Locale.ROOT, "  %s%n",
          classifyExample("http://localhost:" + KEEP_SERVING_PORT, samples));
    }
    console.flush();
  }

  /** A curl line that sends the first sample PNG to the slim model's classify endpoint. */
  private static String classifyExample(String url, DemoSamples.Written samples) {
    String host = url.replaceFirst("^http://", "");
    return "curl -s '" + host + "/v2/models/" + SLIM_MODEL + "/classify?top_k=3' -H "
        + "'Content-Type: image/png' --data-binary @" + samples.samples().get(0).file();
  }

  /**
   * How the user started ke, for commands they can paste: the {@code ./ke} launcher passes its
   * own path in {@code KE_PROGRAM}; elsewhere (an image's {@code ke}, a test) it is {@code ke}.
   */
  static String program() {
    String p = System.getenv("KE_PROGRAM");
    return p == null || p.isBlank() ? "ke" : p;
  }

  /**
   * A kept server must get its fixed port, so a busy one is reported before minutes of training
   * rather than after them. Port 0 (any free one) needs no check.
   */
  private void checkPort(String option, int p) {
    if (p < 0 || p > 65535) {
      throw new CommandLine.ParameterException(command.commandLine(),
          option + " must be between 0 and 65535, not " + p);
    }
    if (p == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
    } catch (IOException e) {
      throw new ModelException("port " + p + " on 127.0.0.1 is in use (another ke serve or ke "
          + "demo?): stop it, or pass another " + option);
    }
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
  }

  private static void step(PrintWriter console, int n, String what) {
    console.printf(Locale.ROOT, "%n== %d/4 %s ==%n", n, what);
    console.flush();
  }

  /** Runs one ke command in this process with the demo's console; fails the demo if it fails. */
  private void ke(String... args) {
    CommandLine root = command.commandLine().getParent();
    int code = Main.execute(args, root.getOut(), root.getErr());
    if (code != 0) {
      throw new ModelException("the demo stopped: 'ke " + String.join(" ", args)
          + "' failed (exit " + code + ", message above)");
    }
  }

  private String[] trainArgs(Path runDir) {
    if (Files.isRegularFile(runDir.resolve(KeConfig.FILE))) {
      command.commandLine().getOut().printf(Locale.ROOT,
          "%s holds this demo's earlier run: resuming it with its saved settings%n", runDir);
      return new String[] {"train", "--resume", runDir.toString()};
    }
    List<String> a = new ArrayList<>(List.of("train", "--out", runDir.toString(), "--data", data,
        "--arch", arch, "--generations", Integer.toString(generations), "--epochs",
        Integer.toString(epochs), "--split", "kels:0.5", "--seed", Long.toString(seed)));
    if (width > 0) {
      a.addAll(List.of("--width", Integer.toString(width)));
    }
    List<String> kinds = baselines.stream().filter(b -> !b.equalsIgnoreCase("none")).toList();
    if (!kinds.isEmpty()) {
      a.addAll(List.of("--baseline", String.join(",", kinds)));
    }
    return a.toArray(String[]::new);
  }

  /**
   * The demo owns its folder: a new or empty folder, or one it made before (then the derived
   * outputs are replaced and the training resumes). Anything else is refused, so the demo never
   * deletes files it did not write.
   */
  private void prepareFolder() {
    try {
      if (Files.isDirectory(out) && !Files.isRegularFile(out.resolve(MARKER))) {
        try (Stream<Path> s = Files.list(out)) {
          if (s.findAny().isPresent()) {
            throw new ModelException(out + " exists and is not a ke demo folder: choose another "
                + "--out");
          }
        }
      } else if (Files.exists(out) && !Files.isDirectory(out)) {
        throw new ModelException(out + " is a file: choose another --out");
      }
      ObjectNode marker = JSON.createObjectNode().put("data", data).put("arch", arch)
          .put("generations", generations).put("epochs", epochs).put("seed", seed);
      AtomicFiles.writeString(out.resolve(MARKER), marker.toPrettyString());
      for (String derived : new String[] {"slim", "repository", DemoSamples.FOLDER}) {
        Folders.deleteTree(out.resolve(derived));
      }
    } catch (IOException e) {
      throw new ModelException("cannot prepare " + out + ": " + e.getMessage(), e);
    }
  }

  /** Sends real test images to the server: PNG through /classify, tensors through /infer. */
  private List<Answer> classify(PrintWriter console, String url, ModelCard card, Dataset test) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    int n = Math.min(images, test.size());
    int[] chosen = new int[n];
    for (int i = 0; i < n; i++) {
      chosen[i] = (int) ((long) i * test.size() / n); // spread over the classes
    }
    float[][] normalised = new float[n][];
    List<Answer> answers = new ArrayList<>();
    try {
      JsonNode first = null;
      String[] slimTop = new String[n];
      double[] slimP = new double[n];
      for (int i = 0; i < n; i++) {
        float[] pixels = test.image(chosen[i]);
        normalised[i] = card.normalization().normalize(pixels);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create(url + "/v2/models/" + SLIM_MODEL + "/classify?top_k=3"))
            .header("Content-Type", "image/png")
            .POST(HttpRequest.BodyPublishers.ofByteArray(DemoSamples.png(pixels, test.shape())))
            .build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200) {
          throw new ModelException("the server answered " + r.statusCode() + " to /classify: "
              + body);
        }
        first = first == null ? body : first;
        JsonNode top = body.get("predictions").get(0);
        slimTop[i] = top.get("label").asText();
        slimP[i] = top.get("probability").asDouble();
      }
      console.printf(Locale.ROOT, "POST /v2/models/%s/classify (a PNG of test image %d) ->%n%s%n",
          SLIM_MODEL, chosen[0], first.toPrettyString());

      String[] denseTop = inferLabels(http, url, normalised, test.shape(), card);
      console.printf(Locale.ROOT, "POST /v2/models/%s/infer (%d images, JSON) -> labels %s%n",
          DENSE_MODEL, n, String.join(", ", denseTop));
      console.printf(Locale.ROOT, "%-6s %-14s %-24s %-14s%n", "image", "true label",
          "slim (classify)", "dense (infer)");
      for (int i = 0; i < n; i++) {
        Answer a = new Answer(chosen[i], test.classNames().get(test.label(chosen[i])), slimTop[i],
            slimP[i], denseTop[i]);
        answers.add(a);
        console.printf(Locale.ROOT, "%-6d %-14s %-24s %-14s%n", a.index(), a.truth(),
            String.format(Locale.ROOT, "%s (%.2f)", a.slimLabel(), a.slimProbability()),
            a.denseLabel());
      }
      console.flush();
      return answers;
    } catch (IOException e) {
      throw new ModelException("the demo could not talk to its server: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ModelException("interrupted while talking to the server", e);
    }
  }

  private String[] inferLabels(HttpClient http, String url, float[][] batch, ActivationShape shape,
      ModelCard card) throws IOException, InterruptedException {
    ObjectNode req = JSON.createObjectNode().put("id", "ke-demo");
    ObjectNode input = req.putArray("inputs").addObject().put("name", "input")
        .put("datatype", "FP32");
    input.putArray("shape").add(batch.length).add(shape.channels()).add(shape.height())
        .add(shape.width());
    ArrayNode data = input.putArray("data");
    for (float[] im : batch) {
      for (float v : im) {
        data.add(v);
      }
    }
    req.putArray("outputs").addObject().put("name", "logits");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create(url + "/v2/models/" + DENSE_MODEL + "/infer"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req)))
        .build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(r.body());
    if (r.statusCode() != 200) {
      throw new ModelException("the server answered " + r.statusCode() + " to /infer: " + body);
    }
    JsonNode logits = body.get("outputs").get(0).get("data");
    int classes = logits.size() / batch.length;
    String[] labels = new String[batch.length];
    for (int i = 0; i < batch.length; i++) {
      int best = 0;
      for (int k = 1; k < classes; k++) {
        if (logits.get(i * classes + k).asDouble() > logits.get(i * classes + best).asDouble()) {
          best = k;
        }
      }
      labels[i] = card.labels().get(best);
    }
    return labels;
  }

  private static ReportSection answersSection(List<Answer> answers) {
    List<List<String>> rows = new ArrayList<>();
    for (Answer a : answers) {
      rows.add(List.of(Integer.toString(a.index()), a.truth(),
          String.format(Locale.ROOT, "%s (%.2f)", a.slimLabel(), a.slimProbability()),
          a.denseLabel()));
    }
    return new ReportSection("Served answers (V2 API)",
        List.of("test image", "true label", "slim via /classify (probability)",
            "dense via /infer"), rows,
        "Real test images sent to the running server: PNGs to the slim model's /classify "
            + "endpoint, normalised tensors to the dense model's /infer endpoint.");
  }
}
