package io.kebridge.serve.config;

import io.kebridge.serve.ServeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Every server setting, defined once: its key (the config-file key, the {@code --key} option and,
 * upper-cased, the {@code KE_SERVE_KEY} environment variable), the names Triton's server gives it
 * (accepted as option aliases), its default, its help text and how its text is applied to a
 * {@link ServerConfig.Builder}. {@link ServerConfig.Builder} starts from these defaults, {@link
 * ConfigLoader} reads files and the environment by these keys, and {@link ServerCommandLine} turns
 * them into the options of {@code ke serve}, {@code ke bench serve} and {@code ke-serve}.
 */
public enum ServerSetting {
  REPOSITORY("repository", names("model-repository", "model-store"), "DIR", null,
      "Model repository folder (REPO/NAME/VERSION/model.onnx and REPO/NAME/config.pbtxt).",
      Kind.VALUE, (b, v) -> b.repository(Path.of(v))),
  HOST("host", names(), "ADDR", "127.0.0.1",
      "Address the REST and gRPC ports bind; 0.0.0.0 for every interface.", Kind.VALUE,
      (b, v) -> b.host(v)),
  PORT("port", names("http-port"), "N", "8000", "REST (HTTP) port; 0 = any free.", Kind.VALUE,
      (b, v) -> b.port(integer("port", v))),
  GRPC("grpc", names("allow-grpc"), "true|false", "true",
      "Serve GRPCInferenceService on the gRPC port beside REST; --no-grpc turns it off.",
      Kind.FLAG, (b, v) -> b.grpc(bool("grpc", v))),
  GRPC_PORT("grpc-port", names(), "N", "8001", "gRPC port; 0 = any free.", Kind.VALUE,
      (b, v) -> b.grpcPort(integer("grpc-port", v))),
  MODEL_CONTROL_MODE("model-control-mode", names(), "poll|explicit|none", "poll",
      "poll: load everything and follow the folder; explicit: load what --load-model and the"
          + " repository API ask for; none: load everything once.", Kind.VALUE,
      (b, v) -> b.controlMode(ModelControlMode.parse(v))),
  LOAD_MODEL("load-model", names(), "NAME", "",
      "Models to load at start in explicit mode (repeatable or comma-separated; * = all).",
      Kind.LIST, (b, v) -> b.loadModels(list(v))),
  MODEL_VERSIONS("model-versions", names(), "latest|all", "latest",
      "Versions served of a model whose config.pbtxt sets no version_policy.", Kind.VALUE,
      (b, v) -> b.versionPolicy(VersionPolicy.parse(v))),
  POLL_INTERVAL_MS("poll-interval-ms", names(), "MS", "2000",
      "Repository rescan interval in poll mode; 0 = no rescans.", Kind.VALUE,
      (b, v) -> b.pollInterval(Duration.ofMillis(number("poll-interval-ms", v)))),
  MAX_BATCH_SIZE("max-batch-size", names(), "N", "32",
      "Most rows merged into one ONNX Runtime run (a config.pbtxt max_batch_size caps it).",
      Kind.VALUE, (b, v) -> b.maxBatchSize(integer("max-batch-size", v))),
  MAX_QUEUE_DELAY_MS("max-queue-delay-ms", names(), "MS", "2",
      "How long a forming batch waits for requests on their way (when config.pbtxt sets no"
          + " max_queue_delay_microseconds).",
      Kind.VALUE, (b, v) -> b.maxQueueDelay(millis("max-queue-delay-ms", v))),
  MAX_QUEUE_SIZE("max-queue-size", names(), "N", "1024",
      "Requests queued per model version before 'overloaded' (503 / RESOURCE_EXHAUSTED).",
      Kind.VALUE, (b, v) -> b.maxQueueSize(integer("max-queue-size", v))),
  BATCH_WORKERS("batch-workers", names(), "N", "1",
      "Batch-running threads per model version (a config.pbtxt instance_group count wins).",
      Kind.VALUE, (b, v) -> b.batchWorkers(integer("batch-workers", v))),
  INTRA_OP_THREADS("intra-op-threads", names(), "N", "0",
      "ONNX Runtime intra-op threads per session; 0 = ONNX Runtime's choice.", Kind.VALUE,
      (b, v) -> b.intraOpThreads(integer("intra-op-threads", v))),
  OPTIMIZATION_LEVEL("optimization-level", names(), "LEVEL", "all",
      "ONNX Runtime graph optimisation: none, basic, extended or all.", Kind.VALUE,
      (b, v) -> b.optimizationLevel(v)),
  SPINNING("spinning", names(), "true|false", "false",
      "Let idle ONNX Runtime threads spin (costly on shared CPUs).", Kind.FLAG,
      (b, v) -> b.spinning(bool("spinning", v))),
  TOKEN("token", names(), "TOKEN", "",
      "Bearer token required on every endpoint and RPC but health (better: KE_SERVE_TOKEN).",
      Kind.VALUE, (b, v) -> b.token(v)),
  MAX_REQUEST_BYTES("max-request-bytes", names(), "N", Long.toString(32L << 20),
      "Largest request body or gRPC message (413 / RESOURCE_EXHAUSTED above it).", Kind.VALUE,
      (b, v) -> b.maxRequestBytes(number("max-request-bytes", v))),
  REQUEST_TIMEOUT_MS("request-timeout-ms", names(), "MS", "30000",
      "How long a request may wait for its batch.", Kind.VALUE,
      (b, v) -> b.requestTimeout(Duration.ofMillis(number("request-timeout-ms", v)))),
  SHUTDOWN_TIMEOUT_MS("shutdown-timeout-ms", names(), "MS", "30000",
      "How long a graceful shutdown (SIGTERM) waits for requests in flight.", Kind.VALUE,
      (b, v) -> b.shutdownTimeout(Duration.ofMillis(number("shutdown-timeout-ms", v)))),
  WARMUP_MAX_BATCH_SIZE("warmup-max-batch-size", names(), "N", "32",
      "Warm-up of a model without model_warmup: batches of 1, 2, 4, ... up to this (or the"
          + " model's max batch); 0 = none.", Kind.VALUE,
      (b, v) -> b.warmupMaxBatchSize(integer("warmup-max-batch-size", v))),
  WARMUP_REQUESTS("warmup-requests", names(), "N", "8",
      "Requests per protocol and encoding sent through the server's own REST and gRPC paths"
          + " before it reports ready; 0 = none.", Kind.VALUE,
      (b, v) -> b.warmupRequests(integer("warmup-requests", v)));

  /** How a setting's text is read. */
  public enum Kind {
    /** One value. */
    VALUE,
    /** true or false; as an option it may stand alone (true) or be negated ({@code --no-KEY}). */
    FLAG,
    /** Several values: a repeated option, or one comma-separated text. */
    LIST
  }

  private final String key;
  private final List<String> aliases;
  private final String label;
  private final String defaultValue;
  private final String description;
  private final Kind kind;
  private final BiConsumer<ServerConfig.Builder, String> apply;

  ServerSetting(String key, List<String> aliases, String label, String defaultValue,
      String description, Kind kind, BiConsumer<ServerConfig.Builder, String> apply) {
    this.key = key;
    this.aliases = aliases;
    this.label = label;
    this.defaultValue = defaultValue;
    this.description = description;
    this.kind = kind;
    this.apply = apply;
  }

  /** The key: {@code max-batch-size}. */
  public String key() {
    return key;
  }

  /** Triton's names for the same setting, without dashes: {@code http-port}. */
  public List<String> aliases() {
    return aliases;
  }

  /** The value's label in help texts. */
  public String label() {
    return label;
  }

  /** The default as text, or null when there is none (the repository). */
  public String defaultValue() {
    return defaultValue;
  }

  /** One line of help. */
  public String description() {
    return description;
  }

  /** How the text is read. */
  public Kind kind() {
    return kind;
  }

  /** The environment variable that overrides it: {@code KE_SERVE_MAX_BATCH_SIZE}. */
  public String envName() {
    return ConfigLoader.ENV_PREFIX + key.replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /** Applies {@code value} (trimmed) to {@code builder}; a malformed value names this setting. */
  public void apply(ServerConfig.Builder builder, String value) {
    apply.accept(builder, value.trim());
  }

  /** The setting with this key or alias. */
  public static Optional<ServerSetting> byName(String name) {
    return Arrays.stream(values())
        .filter(s -> s.key.equals(name) || s.aliases.contains(name)).findFirst();
  }

  /** Every key, in declaration order. */
  public static List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (ServerSetting s : values()) {
      keys.add(s.key);
    }
    return keys;
  }

  private static List<String> names(String... names) {
    return List.of(names);
  }

  private static int integer(String key, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw ServeException.invalidSetting(key + " needs a whole number, got '" + v + "'");
    }
  }

  private static long number(String key, String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw ServeException.invalidSetting(key + " needs a whole number, got '" + v + "'");
    }
  }

  private static Duration millis(String key, String v) {
    try {
      return Duration.ofNanos(Math.round(Double.parseDouble(v) * 1e6));
    } catch (NumberFormatException e) {
      throw ServeException.invalidSetting(key + " needs a number of milliseconds, got '" + v
          + "'");
    }
  }

  private static boolean bool(String key, String v) {
    if (v.equalsIgnoreCase("true") || v.equals("1")) {
      return true;
    }
    if (v.equalsIgnoreCase("false") || v.equals("0")) {
      return false;
    }
    throw ServeException.invalidSetting(key + " needs true or false, got '" + v + "'");
  }

  private static List<String> list(String v) {
    List<String> out = new ArrayList<>();
    for (String part : v.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }
}
