package io.kebridge.serve.config;

import io.kebridge.serve.ServeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Every setting of the inference server, immutable. Build one with {@link #builder}; {@link
 * ConfigLoader} layers a JSON file, environment variables and command-line options over the
 * defaults, all addressed by the same kebab-case keys ({@link #KEYS}).
 *
 * @param repository the model repository folder (Triton layout {@code NAME/VERSION/model.onnx})
 * @param host the address to bind; loopback by default so that nothing is exposed by accident
 * @param port the TCP port; 0 picks a free one
 * @param versionPolicy serve all versions of a model or only the latest
 * @param pollInterval how often the repository is rescanned for changes; zero turns polling off
 * @param maxBatchSize the most rows merged into one ONNX Runtime run
 * @param maxQueueDelay how long the first queued request waits for others to join its batch
 * @param maxQueueSize requests a model version queues before answering 503
 * @param batchWorkers threads per model version that run batches (each owns its input buffers)
 * @param intraOpThreads ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose
 * @param optimizationLevel ONNX Runtime graph optimisation: none, basic, extended or all
 * @param spinning whether ONNX Runtime's intra-op threads spin while idle (costly on shared CPUs)
 * @param token the bearer token required on every endpoint but health, or null for none
 * @param maxRequestBytes the largest request body accepted (413 above it)
 * @param requestTimeout how long a request waits for its batch before a 503
 * @param shutdownTimeout how long a graceful shutdown waits for in-flight requests
 */
public record ServerConfig(
    Path repository,
    String host,
    int port,
    VersionPolicy versionPolicy,
    Duration pollInterval,
    int maxBatchSize,
    Duration maxQueueDelay,
    int maxQueueSize,
    int batchWorkers,
    int intraOpThreads,
    String optimizationLevel,
    boolean spinning,
    String token,
    long maxRequestBytes,
    Duration requestTimeout,
    Duration shutdownTimeout) {

  /** The keys a config file, an environment override ({@code KE_SERVE_} + upper snake case) or a
   * command-line option may set. */
  public static final List<String> KEYS = List.of(
      "repository", "host", "port", "model-versions", "poll-interval-ms", "max-batch-size",
      "max-queue-delay-ms", "max-queue-size", "batch-workers", "intra-op-threads",
      "optimization-level", "spinning", "token", "max-request-bytes", "request-timeout-ms",
      "shutdown-timeout-ms");

  private static final List<String> OPT_LEVELS = List.of("none", "basic", "extended", "all");

  /** Checks every value. */
  public ServerConfig {
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(versionPolicy, "versionPolicy");
    check(port >= 0 && port <= 65535, "port must be in 0..65535, got " + port);
    check(maxBatchSize >= 1, "max-batch-size must be at least 1, got " + maxBatchSize);
    check(!maxQueueDelay.isNegative(), "max-queue-delay-ms must not be negative");
    check(!pollInterval.isNegative(), "poll-interval-ms must not be negative");
    check(maxQueueSize >= 1, "max-queue-size must be at least 1, got " + maxQueueSize);
    check(batchWorkers >= 1, "batch-workers must be at least 1, got " + batchWorkers);
    check(intraOpThreads >= 0, "intra-op-threads must not be negative");
    optimizationLevel = optimizationLevel.toLowerCase(Locale.ROOT);
    check(OPT_LEVELS.contains(optimizationLevel),
        "optimization-level must be one of " + OPT_LEVELS + ", got " + optimizationLevel);
    check(maxRequestBytes >= 1024, "max-request-bytes must be at least 1024");
    check(requestTimeout.toMillis() > 0, "request-timeout-ms must be positive");
    check(!shutdownTimeout.isNegative(), "shutdown-timeout-ms must not be negative");
    token = token == null || token.isBlank() ? null : token;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new ServeException(400, "invalid server setting: " + message);
    }
  }

  /** A builder with the defaults, for the given repository. */
  public static Builder builder(Path repository) {
    return new Builder().repository(repository);
  }

  /** A builder holding this configuration's values. */
  public Builder toBuilder() {
    return new Builder()
        .repository(repository).host(host).port(port).versionPolicy(versionPolicy)
        .pollInterval(pollInterval).maxBatchSize(maxBatchSize).maxQueueDelay(maxQueueDelay)
        .maxQueueSize(maxQueueSize).batchWorkers(batchWorkers).intraOpThreads(intraOpThreads)
        .optimizationLevel(optimizationLevel).spinning(spinning).token(token)
        .maxRequestBytes(maxRequestBytes).requestTimeout(requestTimeout)
        .shutdownTimeout(shutdownTimeout);
  }

  /** Collects settings; every one has a default except the repository. */
  public static final class Builder {
    private Path repository;
    private String host = "127.0.0.1";
    private int port = 8000;
    private VersionPolicy versionPolicy = VersionPolicy.LATEST;
    private Duration pollInterval = Duration.ofSeconds(2);
    private int maxBatchSize = 32;
    private Duration maxQueueDelay = Duration.ofMillis(2);
    private int maxQueueSize = 1024;
    private int batchWorkers = 1;
    private int intraOpThreads = 0;
    private String optimizationLevel = "all";
    private boolean spinning = false;
    private String token;
    private long maxRequestBytes = 32L << 20;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration shutdownTimeout = Duration.ofSeconds(30);

    private Builder() {}

    public Builder repository(Path v) { repository = v; return this; }
    public Builder host(String v) { host = v; return this; }
    public Builder port(int v) { port = v; return this; }
    public Builder versionPolicy(VersionPolicy v) { versionPolicy = v; return this; }
    public Builder pollInterval(Duration v) { pollInterval = v; return this; }
    public Builder maxBatchSize(int v) { maxBatchSize = v; return this; }
    public Builder maxQueueDelay(Duration v) { maxQueueDelay = v; return this; }
    public Builder maxQueueSize(int v) { maxQueueSize = v; return this; }
    public Builder batchWorkers(int v) { batchWorkers = v; return this; }
    public Builder intraOpThreads(int v) { intraOpThreads = v; return this; }
    public Builder optimizationLevel(String v) { optimizationLevel = v; return this; }
    public Builder spinning(boolean v) { spinning = v; return this; }
    public Builder token(String v) { token = v; return this; }
    public Builder maxRequestBytes(long v) { maxRequestBytes = v; return this; }
    public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
    public Builder shutdownTimeout(Duration v) { shutdownTimeout = v; return this; }

    /**
     * Sets one setting by its key in {@link ServerConfig#KEYS} from text, as a config file,
     * environment variable or command-line option gives it.
     */
    public Builder set(String key, String value) {
      String v = value.trim();
      try {
        switch (key) {
          case "repository" -> repository = Path.of(v);
          case "host" -> host = v;
          case "port" -> port = Integer.parseInt(v);
          case "model-versions" -> versionPolicy = VersionPolicy.parse(v);
          case "poll-interval-ms" -> pollInterval = Duration.ofMillis(Long.parseLong(v));
          case "max-batch-size" -> maxBatchSize = Integer.parseInt(v);
          case "max-queue-delay-ms" ->
              maxQueueDelay = Duration.ofNanos(Math.round(Double.parseDouble(v) * 1e6));
          case "max-queue-size" -> maxQueueSize = Integer.parseInt(v);
          case "batch-workers" -> batchWorkers = Integer.parseInt(v);
          case "intra-op-threads" -> intraOpThreads = Integer.parseInt(v);
          case "optimization-level" -> optimizationLevel = v;
          case "spinning" -> spinning = parseBoolean(key, v);
          case "token" -> token = v;
          case "max-request-bytes" -> maxRequestBytes = Long.parseLong(v);
          case "request-timeout-ms" -> requestTimeout = Duration.ofMillis(Long.parseLong(v));
          case "shutdown-timeout-ms" -> shutdownTimeout = Duration.ofMillis(Long.parseLong(v));
          default -> throw new ServeException(400,
              "unknown server setting '" + key + "', expected one of " + KEYS);
        }
      } catch (NumberFormatException e) {
        throw new ServeException(400,
            "server setting " + key + " needs a number, got '" + value + "'", e);
      }
      return this;
    }

    private static boolean parseBoolean(String key, String v) {
      if (v.equalsIgnoreCase("true") || v.equals("1")) {
        return true;
      }
      if (v.equalsIgnoreCase("false") || v.equals("0")) {
        return false;
      }
      throw new ServeException(400, "server setting " + key + " needs true or false, got " + v);
    }

    /** The configuration; fails with a message naming the bad setting. */
    public ServerConfig build() {
      if (repository == null) {
        throw new ServeException(400, "invalid server setting: a model repository is required");
      }
      return new ServerConfig(repository, host, port, versionPolicy, pollInterval, maxBatchSize,
          maxQueueDelay, maxQueueSize, batchWorkers, intraOpThreads, optimizationLevel, spinning,
          token, maxRequestBytes, requestTimeout, shutdownTimeout);
    }
  }
}
