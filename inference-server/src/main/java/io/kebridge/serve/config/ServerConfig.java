package io.kebridge.serve.config;

import io.kebridge.serve.ServeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Every setting of the inference server, immutable. Build one with {@link #builder}, which starts
 * from the defaults of {@link ServerSetting}; {@link ConfigLoader} layers a JSON file and
 * environment variables over them and {@link ServerCommandLine} the command line, all by the keys
 * of {@link ServerSetting}.
 *
 * @param repository the model repository folder (Triton layout {@code NAME/VERSION/model.onnx})
 * @param host the address both ports bind; loopback by default so nothing is exposed by accident
 * @param port the REST port; 0 picks a free one
 * @param grpc whether the gRPC service runs
 * @param grpcPort the gRPC port; 0 picks a free one
 * @param controlMode how the served models follow the repository folder
 * @param loadModels models loaded at start in explicit mode ({@code *} = all)
 * @param versionPolicy versions served of a model whose config sets no version policy
 * @param pollInterval how often poll mode rescans the repository; zero turns rescans off
 * @param maxBatchSize the most rows merged into one ONNX Runtime run
 * @param maxQueueDelay how long a forming batch waits for others (models without config.pbtxt)
 * @param maxQueueSize requests a model version queues before answering "overloaded"
 * @param batchWorkers threads per model version that run batches (each owns its input buffers)
 * @param intraOpThreads ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose
 * @param optimizationLevel ONNX Runtime graph optimisation: none, basic, extended or all
 * @param spinning whether ONNX Runtime's intra-op threads spin while idle (costly on shared CPUs)
 * @param token the bearer token required on every endpoint but health, or null for none
 * @param maxRequestBytes the largest request body or gRPC message accepted
 * @param requestTimeout how long a request waits for its batch
 * @param shutdownTimeout how long a graceful shutdown waits for in-flight requests
 * @param warmupMaxBatchSize largest default warm-up batch (powers of two up to it); 0 = none
 * @param warmupRequests requests per protocol path sent before the server reports ready
 */
public record ServerConfig(
    Path repository,
    String host,
    int port,
    boolean grpc,
    int grpcPort,
    ModelControlMode controlMode,
    List<String> loadModels,
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
    Duration shutdownTimeout,
    int warmupMaxBatchSize,
    int warmupRequests) {

  /** The keys a config file, an environment override ({@code KE_SERVE_} + upper snake case) or a
   * command-line option may set. */
  public static final List<String> KEYS = ServerSetting.keys();

  private static final List<String> OPT_LEVELS = List.of("none", "basic", "extended", "all");

  /** Checks every value. */
  public ServerConfig {
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(versionPolicy, "versionPolicy");
    Objects.requireNonNull(controlMode, "controlMode");
    loadModels = List.copyOf(loadModels);
    check(port >= 0 && port <= 65535, "port must be in 0..65535, got " + port);
    check(grpcPort >= 0 && grpcPort <= 65535, "grpc-port must be in 0..65535, got " + grpcPort);
    check(!grpc || port == 0 || grpcPort != port,
        "port and grpc-port must differ, both are " + port);
    check(maxBatchSize >= 1, "max-batch-size must be at least 1, got " + maxBatchSize);
    check(!maxQueueDelay.isNegative(), "max-queue-delay-ms must not be negative");
    check(!pollInterval.isNegative(), "poll-interval-ms must not be negative");
    check(maxQueueSize >= 1, "max-queue-size must be at least 1, got " + maxQueueSize);
    check(batchWorkers >= 1, "batch-workers must be at least 1, got " + batchWorkers);
    check(intraOpThreads >= 0, "intra-op-threads must not be negative");
    optimizationLevel = optimizationLevel.toLowerCase(Locale.ROOT);
    check(OPT_LEVELS.contains(optimizationLevel),
        "optimization-level must be one of " + OPT_LEVELS + ", got " + optimizationLevel);
    check(maxRequestBytes >= 1024 && maxRequestBytes <= Integer.MAX_VALUE,
        "max-request-bytes must be in 1024..2147483647, got " + maxRequestBytes);
    check(requestTimeout.toMillis() > 0, "request-timeout-ms must be positive");
    check(!shutdownTimeout.isNegative(), "shutdown-timeout-ms must not be negative");
    check(warmupMaxBatchSize >= 0, "warmup-max-batch-size must not be negative");
    check(warmupRequests >= 0, "warmup-requests must not be negative");
    check(controlMode == ModelControlMode.EXPLICIT || loadModels.isEmpty(),
        "load-model needs model-control-mode explicit (the other modes load every model)");
    token = token == null || token.isBlank() ? null : token;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw ServeException.invalidSetting(message);
    }
  }

  /** A builder with the defaults, for the given repository. */
  public static Builder builder(Path repository) {
    return new Builder().repository(repository);
  }

  /** A builder holding this configuration's values. */
  public Builder toBuilder() {
    return new Builder()
        .repository(repository).host(host).port(port).grpc(grpc).grpcPort(grpcPort)
        .controlMode(controlMode).loadModels(loadModels).versionPolicy(versionPolicy)
        .pollInterval(pollInterval).maxBatchSize(maxBatchSize).maxQueueDelay(maxQueueDelay)
        .maxQueueSize(maxQueueSize).batchWorkers(batchWorkers).intraOpThreads(intraOpThreads)
        .optimizationLevel(optimizationLevel).spinning(spinning).token(token)
        .maxRequestBytes(maxRequestBytes).requestTimeout(requestTimeout)
        .shutdownTimeout(shutdownTimeout).warmupMaxBatchSize(warmupMaxBatchSize)
        .warmupRequests(warmupRequests);
  }

  /** Every setting, the token masked: configurations are logged. */
  @Override
  public String toString() {
    return "ServerConfig[repository=" + repository + ", host=" + host + ", port=" + port
        + ", grpc=" + grpc + ", grpcPort=" + grpcPort + ", controlMode=" + controlMode.text()
        + ", loadModels=" + loadModels + ", versionPolicy=" + versionPolicy
        + ", pollInterval=" + pollInterval + ", maxBatchSize=" + maxBatchSize
        + ", maxQueueDelay=" + maxQueueDelay + ", maxQueueSize=" + maxQueueSize
        + ", batchWorkers=" + batchWorkers + ", intraOpThreads=" + intraOpThreads
        + ", optimizationLevel=" + optimizationLevel + ", spinning=" + spinning
        + ", token=" + (token == null ? "none" : "****") + ", maxRequestBytes=" + maxRequestBytes
        + ", requestTimeout=" + requestTimeout + ", shutdownTimeout=" + shutdownTimeout
        + ", warmupMaxBatchSize=" + warmupMaxBatchSize + ", warmupRequests=" + warmupRequests
        + "]";
  }

  /** Collects settings; every one starts at its {@link ServerSetting} default. */
  public static final class Builder {
    private Path repository;
    private String host;
    private int port;
    private boolean grpc;
    private int grpcPort;
    private ModelControlMode controlMode;
    private List<String> loadModels;
    private VersionPolicy versionPolicy;
    private Duration pollInterval;
    private int maxBatchSize;
    private Duration maxQueueDelay;
    private int maxQueueSize;
    private int batchWorkers;
    private int intraOpThreads;
    private String optimizationLevel;
    private boolean spinning;
    private String token;
    private long maxRequestBytes;
    private Duration requestTimeout;
    private Duration shutdownTimeout;
    private int warmupMaxBatchSize;
    private int warmupRequests;

    private Builder() {
      for (ServerSetting s : ServerSetting.values()) {
        if (s.defaultValue() != null) {
          s.apply(this, s.defaultValue());
        }
      }
    }

    public Builder repository(Path v) { repository = v; return this; }
    public Builder host(String v) { host = v; return this; }
    public Builder port(int v) { port = v; return this; }
    public Builder grpc(boolean v) { grpc = v; return this; }
    public Builder grpcPort(int v) { grpcPort = v; return this; }
    public Builder controlMode(ModelControlMode v) { controlMode = v; return this; }
    public Builder loadModels(List<String> v) { loadModels = List.copyOf(v); return this; }
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
    public Builder warmupMaxBatchSize(int v) { warmupMaxBatchSize = v; return this; }
    public Builder warmupRequests(int v) { warmupRequests = v; return this; }

    /**
     * Sets one setting by its key or Triton alias ({@link ServerSetting#byName}) from text, as a
     * config file, environment variable or command-line option gives it.
     */
    public Builder set(String key, String value) {
      ServerSetting.byName(key).orElseThrow(() -> ServeException.invalidSetting(
          "unknown server setting '" + key + "', expected one of " + KEYS)).apply(this, value);
      return this;
    }

    /** The configuration; fails with a message naming the bad setting. */
    public ServerConfig build() {
      if (repository == null) {
        throw ServeException.invalidSetting("a model repository is required");
      }
      return new ServerConfig(repository, host, port, grpc, grpcPort, controlMode, loadModels,
          versionPolicy, pollInterval, maxBatchSize, maxQueueDelay, maxQueueSize, batchWorkers,
          intraOpThreads, optimizationLevel, spinning, token, maxRequestBytes, requestTimeout,
          shutdownTimeout, warmupMaxBatchSize, warmupRequests);
    }
  }
}
