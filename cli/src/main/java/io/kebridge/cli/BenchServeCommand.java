package io.kebridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.onnx.repository.ModelRepository;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.bench.FirstRequest;
import io.kebridge.serve.bench.GrpcLoad;
import io.kebridge.serve.bench.HttpLoad;
import io.kebridge.serve.bench.LoadClient;
import io.kebridge.serve.bench.LoadReport;
import io.kebridge.serve.bench.PreparedRequest;
import io.kebridge.serve.bench.RawThroughput;
import io.kebridge.serve.bench.ServeBenchmark;
import io.kebridge.serve.config.ServerCommandLine;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.config.VersionPolicy;
import io.kebridge.serve.grpc.proto.GRPCInferenceServiceGrpc;
import io.kebridge.serve.grpc.proto.ModelMetadataRequest;
import io.kebridge.serve.grpc.proto.ModelMetadataResponse;
import io.kebridge.serve.session.SessionSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ke bench serve}: closed-loop load on a V2 server over REST or gRPC at several client
 * counts (throughput, p50/p90/p99, errors), beside the raw ONNX Runtime batch throughput of the
 * same model file measured in the same run, so the serving overhead reads as one ratio; or, with
 * {@code --first-request}, a fresh server's first inference against its steady latency. The
 * in-process server takes every server option of {@code ke serve}.
 */
@Command(
    name = "serve",
    header = "Load-test a V2 inference server over REST or gRPC.",
    mixinStandardHelpOptions = true,
    modelTransformer = ServerCommandLine.Transformer.class,
    description = {
      "Load-test a V2 inference server over REST or gRPC (--protocol): per client count,",
      "requests/s, images/s, p50/p90/p99 latency and errors; then the same model's raw ONNX",
      "Runtime batch throughput before and after the load (needs --repository or --model-file)",
      "and the server's share of it. Without --url/--grpc-target it serves --repository itself,",
      "with the server options below. --first-request times a fresh server's first inference."
    })
public final class BenchServeCommand implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--url", paramLabel = "URL",
      description = "Server base URL, e.g. http://127.0.0.1:8000 (default: serve --repository "
          + "in-process).")
  String url;

  @Option(names = "--grpc-target", paramLabel = "HOST:PORT",
      description = "gRPC address of a running server, e.g. 127.0.0.1:8001 (with --protocol grpc).")
  String grpcTarget;

  @Option(names = "--protocol", defaultValue = "http", paramLabel = "http|grpc",
      description = "How requests are sent: REST (JSON, or binary tensors with --binary) or gRPC"
          + " (typed contents, or raw_input_contents with --binary) (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Option(names = "--first-request",
      description = "Instead of the load: the first inference's latency and then the p50/p99 of"
          + " --steady-requests more, from a client that has already seen the server ready, and"
          + " one request after a second's idle (what any request after a pause costs). Point it"
          + " at a freshly started server (--url / --grpc-target).")
  boolean firstRequest;

  @Option(names = "--steady-requests", defaultValue = "200", paramLabel = "N",
      description = "Requests after the first one for --first-request (default: ${DEFAULT-VALUE}).")
  int steadyRequests;

  @Option(names = "--model", required = true, paramLabel = "NAME", description = "Model name.")
  String model;

  @Option(names = "--model-version", paramLabel = "V",
      description = "Model version (default: the server's latest).")
  Long modelVersion;

  @Option(names = "--concurrency", split = ",", defaultValue = "1,4,16", paramLabel = "N,N,...",
      description = "Client counts to measure (default: ${DEFAULT-VALUE}).")
  List<Integer> concurrency;

  @Option(names = "--duration", defaultValue = "10s", paramLabel = "TIME",
      description = "Measured time per client count: 500ms, 10s, 1m (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--warmup", defaultValue = "2s", paramLabel = "TIME",
      description = "Unmeasured load before each measurement (default: ${DEFAULT-VALUE}).")
  String warmup;

  @Option(names = "--initial-warmup", defaultValue = "10s", paramLabel = "TIME",
      description = "Unmeasured load at the highest client count before the first measurement,"
          + " so the JIT has compiled the serving paths (default: ${DEFAULT-VALUE}).")
  String initialWarmup;

  @Option(names = "--binary",
      description = "Binary tensors: REST's binary extension, gRPC's raw_input_contents.")
  boolean binary;

  @Option(names = "--batch", defaultValue = "1", paramLabel = "N",
      description = "Images per request (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "Bearer token for the server (default: $KE_SERVE_TOKEN).")
  String token;

  @Option(names = "--repository", paramLabel = "REPO",
      description = "Model repository: where the raw measurement finds REPO/NAME/V/model.onnx,"
          + " and what an in-process server serves.")
  Path repository;

  @Option(names = "--write-resnet18-slim",
      description = "First write the bench suite's model into --repository as resnet18-slim/1:"
          + " the kels:0.5 slim ResNet-18, 3x224x224, 1000 classes, random weights (seed 1).")
  boolean writeResnet18Slim;

  @Option(names = "--model-file", paramLabel = "FILE",
      description = "The ONNX file for the raw ONNX Runtime measurement.")
  Path modelFile;

  @Option(names = "--raw-batch", paramLabel = "N",
      description = "Batch size of the raw measurement (default: the server's --max-batch-size).")
  Integer rawBatch;

  @Spec CommandLine.Model.CommandSpec command;

  @Override
  public void run() {
    Duration measure = parseDuration(duration, "--duration");
    Duration warm = parseDuration(warmup, "--warmup");
    Duration firstWarm = parseDuration(initialWarmup, "--initial-warmup");
    boolean grpc = switch (protocol.toLowerCase(Locale.ROOT)) {
      case "http", "rest" -> false;
      case "grpc" -> true;
      default -> throw new CommandLine.ParameterException(command.commandLine(),
          "--protocol must be http or grpc, got '" + protocol + "'");
    };
    boolean external = grpc ? grpcTarget != null : url != null;
    if (!external && repository == null) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "give --url (REST) or --grpc-target (gRPC) of a running server, or --repository to"
              + " serve in-process");
    }
    if (batch < 1 || concurrency.stream().anyMatch(c -> c < 1) || steadyRequests < 1) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--batch, --steady-requests and every --concurrency value must be at least 1");
    }
    String bearer = token != null ? token : System.getenv("KE_SERVE_TOKEN");
    PrintWriter out = command.commandLine().getOut();
    if (writeResnet18Slim) {
      if (repository == null) {
        throw new CommandLine.ParameterException(command.commandLine(),
            "--write-resnet18-slim needs --repository");
      }
      NetworkSpec dense = Architectures.build("resnet18",
          ArchitectureConfig.of(ActivationShape.parse("3x224x224"), 1000));
      Path written = ModelRepository.write(repository, "resnet18-slim", 1,
          BenchInferCommand.randomModel(new KelsPlan(0.5).slimSpec(dense), NetworkKind.SLIM,
              "kels:0.5"), 32);
      out.println("wrote " + written);
    }
    InferenceServer embedded = null;
    try {
      String base = url;
      String target = grpcTarget;
      int maxBatch;
      if (!external) {
        ServerConfig.Builder b = ServerConfig.builder(repository).port(0).grpcPort(0)
            .versionPolicy(VersionPolicy.ALL).pollInterval(Duration.ZERO);
        ServerCommandLine.apply(command.commandLine().getParseResult(), b);
        ServerConfig config = b.token(bearer).build();
        embedded = InferenceServer.start(config);
        base = embedded.url();
        target = embedded.grpcTarget();
        maxBatch = config.maxBatchSize();
        if (grpc && target == null) {
          throw new CommandLine.ParameterException(command.commandLine(),
              "--protocol grpc needs the in-process server's gRPC port (drop --no-grpc)");
        }
      } else {
        maxBatch = ServerConfig.builder(Path.of(".")).build().maxBatchSize();
      }
      Meta meta = grpc ? grpcMetadata(target, bearer) : httpMetadata(base, bearer);
      long[] shape = meta.shape.clone();
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shape[i] < 0 ? batch : shape[i];
      }
      String where = grpc ? "grpc " + target : "server " + base.replaceAll("/+$", "");
      String encoding = grpc ? (binary ? "gRPC raw_input_contents" : "gRPC fp32_contents")
          : (binary ? "REST binary" : "REST JSON");
      try (LoadClient client = grpc
          ? new GrpcLoad(target, GrpcLoad.request(model, modelVersion, meta.input, shape, binary,
              7), bearer)
          : new HttpLoad(URI.create(base.replaceAll("/+$", "") + modelPath() + "/infer"),
              PreparedRequest.of(meta.input, shape, binary, 7), bearer)) {
        out.printf(Locale.ROOT, "%s%s, model %s (versions %s), input %s %s, %s requests%n", where,
            embedded == null ? "" : " (in-process)", model, meta.versions, meta.input,
            java.util.Arrays.toString(shape), encoding);
        out.println(CpuFeatures.machine());
        if (firstRequest) {
          FirstRequest.Result r = FirstRequest.measure(client, steadyRequests);
          if (r.error() != null) {
            throw new IllegalStateException("the server answered: " + r.error());
          }
          out.printf(Locale.ROOT, "first request %.2f ms; next %d requests p50 %.2f ms, p99 %.2f"
              + " ms; first/p50 %.2f%n", r.firstMs(), r.steady(), r.p50Ms(), r.p99Ms(), r.ratio());
          out.printf(Locale.ROOT, "server side (its statistics): first request %.2f ms, next %d"
              + " mean %.2f ms; first/mean %.2f%n", r.serverFirstMs(), r.steady(),
              r.serverMeanMs(), r.serverRatio());
          out.printf(Locale.ROOT, "after %d ms idle: one request %.2f ms; server side %.2f ms,"
              + " %.2f x its steady mean%n", FirstRequest.SETTLE_MILLIS, r.afterIdleMs(),
              r.serverAfterIdleMs(), r.serverAfterIdleRatio());
          out.flush();
          return;
        }
        out.printf(Locale.ROOT, "%s measured per client count after %s warm-up%n", duration,
            warmup);
        out.printf(Locale.ROOT, "%8s %10s %7s %12s %12s %9s %9s %9s %8s%n", "clients",
            "requests", "errors", "requests/s", "images/s", "p50 ms", "p90 ms", "p99 ms",
            "p99/p50");
        out.flush();
        Path file = modelFile != null ? modelFile : repositoryFile(meta.versions);
        int rb = rawBatch != null ? rawBatch : maxBatch;
        ServeBenchmark.Settings settings = new ServeBenchmark.Settings(client, concurrency,
            firstWarm, warm, measure, batch, file, SessionSettings.defaults(), rb);
        ServeBenchmark.Result result = ServeBenchmark.run(settings, r -> {
          out.printf(Locale.ROOT, "%8d %10d %7d %12.1f %12.1f %9.2f %9.2f %9.2f %8.2f%n",
              r.concurrency(), r.requests(), r.errors(), r.requests() / r.seconds(),
              r.imagesPerSecond(), r.p50Ms(), r.p90Ms(), r.p99Ms(), r.p99Ms() / r.p50Ms());
          if (r.firstError() != null) {
            out.println("         first error: " + r.firstError());
          }
          out.flush();
        });
        if (file == null) {
          out.println("raw ONNX Runtime: skipped (give --repository or --model-file)");
          return;
        }
        for (RawThroughput.Result raw : List.of(result.before(), result.after())) {
          out.printf(Locale.ROOT, "raw ONNX Runtime %-6s the load, %s: batch %d, median %.3f ms"
                  + " per batch (min %.3f, %d runs) = %.1f images/s%n",
              raw == result.before() ? "before" : "after", file, rb, raw.medianMs(), raw.minMs(),
              raw.runs(), raw.imagesPerSecond());
        }
        for (LoadReport r : result.loads()) {
          out.printf(Locale.ROOT, "  %3d clients: server %.1f images/s = %.1f%% of raw ONNX"
                  + " Runtime (mean of before and after), p99/p50 %.2f, %d errors%n",
              r.concurrency(), r.imagesPerSecond(), result.percentOfRaw(r), r.p99Ms() / r.p50Ms(),
              r.errors());
        }
        out.flush();
      }
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  private String modelPath() {
    return "/v2/models/" + model + (modelVersion == null ? "" : "/versions/" + modelVersion);
  }

  /** What the load needs of the model's metadata. */
  private record Meta(String input, long[] shape, List<String> versions) {}

  private Meta httpMetadata(String base, String bearer) {
    JsonNode meta = metadata(base.replaceAll("/+$", "") + modelPath(), bearer);
    JsonNode in = meta.get("inputs").get(0);
    long[] shape = new long[in.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = in.get("shape").get(i).asLong();
    }
    List<String> versions = new java.util.ArrayList<>();
    meta.get("versions").forEach(v -> versions.add(v.asText()));
    return new Meta(in.get("name").asText(), shape, versions);
  }

  private Meta grpcMetadata(String target, String bearer) {
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    try {
      GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
          GRPCInferenceServiceGrpc.newBlockingStub(channel);
      if (bearer != null) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + bearer);
        stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
      }
      ModelMetadataResponse meta = stub.withDeadlineAfter(10, TimeUnit.SECONDS).modelMetadata(
          ModelMetadataRequest.newBuilder().setName(model)
              .setVersion(modelVersion == null ? "" : Long.toString(modelVersion)).build());
      ModelMetadataResponse.TensorMetadata in = meta.getInputs(0);
      return new Meta(in.getName(), in.getShapeList().stream().mapToLong(Long::longValue)
          .toArray(), List.copyOf(meta.getVersionsList()));
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException("model metadata from " + target + ": " + e.getStatus()
          .getCode() + " " + e.getStatus().getDescription(), e);
    } finally {
      channel.shutdownNow();
    }
  }

  private Path repositoryFile(List<String> versions) {
    if (repository == null) {
      return null;
    }
    Path dir = repository.resolve(model);
    String version = modelVersion != null ? Long.toString(modelVersion) : null;
    if (version == null) {
      version = versions.get(versions.size() - 1);
    }
    Path file = dir.resolve(version).resolve("model.onnx");
    if (!Files.isRegularFile(file)) {
      try (Stream<Path> s = Files.list(dir)) {
        file = s.filter(p -> p.getFileName().toString().matches("\\d+"))
            .max(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString())))
            .map(p -> p.resolve("model.onnx")).orElse(file);
      } catch (IOException e) {
        throw new IllegalStateException("cannot list " + dir + ": " + e.getMessage(), e);
      }
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("no model.onnx for " + model + " under " + dir);
    }
    return file;
  }

  private static JsonNode metadata(String uri, String token) {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<String> r = client.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("model metadata " + uri + " answered " + r.statusCode()
            + ": " + r.body());
      }
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach " + uri + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Parses {@code 500ms}, {@code 10s}, {@code 2m} or plain seconds. */
  static Duration parseDuration(String text, String option) {
    Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m)?").matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(option + " must look like 500ms, 10s or 1m, got '"
          + text + "'");
    }
    double v = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    double millis = switch (unit) {
      case "ms" -> v;
      case "m" -> v * 60_000;
      default -> v * 1000;
    };
    return Duration.ofNanos(Math.round(millis * 1e6));
  }
}
