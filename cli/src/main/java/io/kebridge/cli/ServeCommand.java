package io.kebridge.cli;

import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.config.ConfigLoader;
import io.kebridge.serve.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke serve}: the Open Inference Protocol V2 server over a model repository, until SIGTERM
 * or Ctrl-C, which shut it down gracefully. Settings layer as defaults, {@code --config} file,
 * {@code KE_SERVE_*} environment variables, then these options.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serve a model repository (REPO/NAME/VERSION/model.onnx, as written by",
      "'ke export --repository') over the Open Inference Protocol V2 (KServe/Triton",
      "REST): dynamic batching, hot reload, binary tensors, /v2/models/NAME/classify",
      "for PNG/JPEG images, /metrics. Settings: defaults < --config FILE (JSON)",
      "< KE_SERVE_* environment < options. SIGTERM/Ctrl-C stop it gracefully."
    })
public final class ServeCommand implements Runnable {

  @Parameters(index = "0", arity = "0..1", paramLabel = "REPO",
      description = "Model repository folder (or 'repository' in the config file).")
  Path repository;

  @Option(names = "--config", paramLabel = "FILE",
      description = "JSON file of settings, keys as the long options (e.g. {\"port\": 8080}).")
  Path config;

  @Option(names = "--host", paramLabel = "ADDR", description = "Address to bind (default 127.0.0.1).")
  String host;

  @Option(names = "--port", paramLabel = "N", description = "TCP port; 0 = any free (default 8000).")
  String port;

  @Option(names = "--max-batch-size", paramLabel = "N",
      description = "Most rows merged into one ONNX Runtime run (default 32; a model's "
          + "config.pbtxt max_batch_size caps it).")
  String maxBatchSize;

  @Option(names = "--max-queue-delay-ms", paramLabel = "MS",
      description = "How long a request waits for others to join its batch (default 2).")
  String maxQueueDelayMs;

  @Option(names = "--max-queue-size", paramLabel = "N",
      description = "Requests queued per model version before 503 + Retry-After (default 1024).")
  String maxQueueSize;

  @Option(names = "--model-versions", paramLabel = "all|latest",
      description = "Serve every version or only the highest (default latest).")
  String modelVersions;

  @Option(names = "--poll-interval-ms", paramLabel = "MS",
      description = "Repository rescan interval for hot load/replace/unload; 0 = off (default 2000).")
  String pollIntervalMs;

  @Option(names = "--batch-workers", paramLabel = "N",
      description = "Batch-running threads per model version (default 1).")
  String batchWorkers;

  @Option(names = "--intra-op-threads", paramLabel = "N",
      description = "ONNX Runtime intra-op threads per session; 0 = its default (default 0).")
  String intraOpThreads;

  @Option(names = "--optimization-level", paramLabel = "LEVEL",
      description = "ONNX Runtime graph optimisation: none, basic, extended, all (default all).")
  String optimizationLevel;

  @Option(names = "--spinning", paramLabel = "true|false",
      description = "Let idle ONNX Runtime threads spin (default false: better on shared CPUs).")
  String spinning;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "Bearer token required on every endpoint but health (or KE_SERVE_TOKEN).")
  String token;

  @Option(names = "--max-request-bytes", paramLabel = "N",
      description = "Largest request body; larger ones get 413 (default 33554432).")
  String maxRequestBytes;

  @Option(names = "--request-timeout-ms", paramLabel = "MS",
      description = "How long a request may wait for its batch before 503 (default 30000).")
  String requestTimeoutMs;

  @Option(names = "--shutdown-timeout-ms", paramLabel = "MS",
      description = "How long shutdown waits for requests in flight (default 30000).")
  String shutdownTimeoutMs;

  @Spec picocli.CommandLine.Model.CommandSpec command;

  @Override
  public void run() {
    ServerConfig.Builder b = ServerConfig.builder(null);
    ConfigLoader.apply(b, config, System.getenv());
    if (repository != null) {
      b.repository(repository);
    }
    options().forEach(b::set);
    ServerConfig settings = b.build();
    PrintWriter out = command.commandLine().getOut();
    InferenceServer server = InferenceServer.start(settings);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "ke-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.printf("ke serve: %d model(s) from %s on %s%s%n", server.repository().models().size(),
        settings.repository(), server.url(),
        settings.token() == null ? "" : " (bearer token required)");
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      // Stopped from inside the JVM (an embedding program or a test): same graceful path.
      server.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting anyway; the hook closes the server a second time, harmlessly
      }
      out.println("ke serve: stopped");
      out.flush();
      Thread.currentThread().interrupt();
    }
  }

  private Map<String, String> options() {
    Map<String, String> m = new LinkedHashMap<>();
    put(m, "host", host);
    put(m, "port", port);
    put(m, "max-batch-size", maxBatchSize);
    put(m, "max-queue-delay-ms", maxQueueDelayMs);
    put(m, "max-queue-size", maxQueueSize);
    put(m, "model-versions", modelVersions);
    put(m, "poll-interval-ms", pollIntervalMs);
    put(m, "batch-workers", batchWorkers);
    put(m, "intra-op-threads", intraOpThreads);
    put(m, "optimization-level", optimizationLevel);
    put(m, "spinning", spinning);
    put(m, "token", token);
    put(m, "max-request-bytes", maxRequestBytes);
    put(m, "request-timeout-ms", requestTimeoutMs);
    put(m, "shutdown-timeout-ms", shutdownTimeoutMs);
    return m;
  }

  private static void put(Map<String, String> m, String key, String value) {
    if (value != null) {
      m.put(key, value);
    }
  }
}
