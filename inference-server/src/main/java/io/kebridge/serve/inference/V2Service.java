package io.kebridge.serve.inference;

import io.kebridge.modelconfig.proto.ModelConfig;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.grpc.proto.ModelMetadataResponse;
import io.kebridge.serve.grpc.proto.ModelStatistics;
import io.kebridge.serve.grpc.proto.ModelStatisticsResponse;
import io.kebridge.serve.grpc.proto.ServerMetadataResponse;
import io.kebridge.serve.metrics.ServerMetrics;
import io.kebridge.serve.repository.ModelRepository;
import io.kebridge.serve.repository.ModelState;
import io.kebridge.serve.repository.ServedModel;
import io.kebridge.serve.session.ModelSession;
import io.kebridge.serve.session.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every protocol front end (REST and gRPC) answers with, so both behave alike: health and
 * readiness, the bearer token, server and model metadata, Triton's configuration, statistics and
 * repository extensions, inference through {@link InferenceService}, and the in-flight count and
 * draining that make shutdown graceful on both ports at once. Its answers are the protocol's
 * messages ({@code grpc_service.proto}), which REST writes as JSON.
 */
public final class V2Service {
  /** The extensions advertised in the server metadata (Triton's names, and ke-bridge's classify). */
  public static final List<String> EXTENSIONS = List.of("binary_tensor_data", "classification",
      "model_configuration", "model_repository", "statistics", "classify");

  private final ServerConfig config;
  private final ModelRepository repository;
  private final InferenceService inference;
  private final ServerMetrics metrics;
  private final String version;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean warm;
  private volatile boolean draining;

  /** The service of one server. */
  public V2Service(ServerConfig config, ModelRepository repository, InferenceService inference,
      ServerMetrics metrics, String version) {
    this.config = config;
    this.repository = repository;
    this.inference = inference;
    this.metrics = metrics;
    this.version = version;
  }

  /** Inference. */
  public InferenceService inference() {
    return inference;
  }

  /** The metrics registry. */
  public ServerMetrics metrics() {
    return metrics;
  }

  /** The server's configuration. */
  public ServerConfig config() {
    return config;
  }

  /** Marks the start-up warm-up done: from now on the server may report ready. */
  public void warmedUp() {
    warm = true;
  }

  /** True when every model the server follows is loaded and warm and it is not draining. */
  public boolean ready() {
    return warm && !draining && repository.ready();
  }

  /** True while shutting down: new work is refused. */
  public boolean draining() {
    return draining;
  }

  /** Refuses new work while draining (503 / UNAVAILABLE). */
  public void requireOpen() {
    if (draining) {
      throw ServeException.unavailable("the server is shutting down", 1);
    }
  }

  /** Checks an {@code Authorization} header (or gRPC metadata) value against the token. */
  public void authorise(String header) {
    String token = config.token();
    if (token == null) {
      return;
    }
    String expected = "Bearer " + token;
    boolean ok = header != null && MessageDigest.isEqual(
        header.trim().getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    if (!ok) {
      throw new ServeException(ServeException.Reason.UNAUTHENTICATED, header == null
          ? "this server needs a bearer token: send 'authorization: Bearer TOKEN'"
          : "the bearer token is wrong");
    }
  }

  /** A request starts (counted for graceful shutdown). */
  public void enter() {
    inFlight.incrementAndGet();
  }

  /** A request is answered. */
  public void exit() {
    inFlight.decrementAndGet();
  }

  /** Requests being answered now, on both protocols. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Stops taking new work (new requests get 503 / UNAVAILABLE, readiness turns false) and waits up
   * to {@code timeout} for the requests in flight to be answered; true when all were.
   */
  public boolean drain(Duration timeout) {
    draining = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return inFlight.get() == 0;
  }

  /** {@code name} when it is a served model, else the tag for unknown ones (bounded metrics). */
  public String metricTag(String name) {
    return name != null && repository.models().containsKey(name) ? name : "_unknown";
  }

  /** The server metadata. */
  public ServerMetadataResponse serverMetadata() {
    return ServerMetadataResponse.newBuilder().setName("ke-bridge").setVersion(version)
        .addAllExtensions(EXTENSIONS).build();
  }

  /** The metadata of a model version. */
  public ModelMetadataResponse modelMetadata(String name, Optional<Long> v) {
    ModelSession s = inference.model(name, v).session();
    ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder()
        .setName(s.name())
        .setPlatform("onnx_onnxv1");
    inference.versions(name).forEach(x -> b.addVersions(Long.toString(x)));
    for (TensorSpec t : s.inputs()) {
      b.addInputs(tensor(t));
    }
    for (TensorSpec t : s.outputs()) {
      b.addOutputs(tensor(t));
    }
    return b.build();
  }

  private static ModelMetadataResponse.TensorMetadata tensor(TensorSpec t) {
    ModelMetadataResponse.TensorMetadata.Builder b = ModelMetadataResponse.TensorMetadata
        .newBuilder().setName(t.name()).setDatatype(t.datatype().name());
    for (long d : t.shape()) {
      b.addShape(d);
    }
    return b.build();
  }

  /** The served model version (for the REST metadata's card parameters). */
  public ServedModel model(String name, Optional<Long> v) {
    return inference.model(name, v);
  }

  /** Whether a model version is ready; "not found" for an unknown one. */
  public boolean modelReady(String name, Optional<Long> v) {
    inference.model(name, v);
    return !draining;
  }

  /** The complete configuration a model version is served with. */
  public ModelConfig modelConfig(String name, Optional<Long> v) {
    return inference.model(name, v).config().config();
  }

  /** Statistics of one version, every version of one model, or every model ({@code name} empty). */
  public ModelStatisticsResponse statistics(Optional<String> name, Optional<Long> v) {
    ModelStatisticsResponse.Builder b = ModelStatisticsResponse.newBuilder();
    if (name.isEmpty()) {
      repository.models().values().forEach(vs -> vs.values().forEach(
          m -> b.addModelStats(m.stats().snapshot())));
      return b.build();
    }
    if (v.isPresent()) {
      return b.addModelStats(inference.model(name.get(), v).stats().snapshot()).build();
    }
    inference.model(name.get(), Optional.empty());
    NavigableMap<Long, ServedModel> versions = repository.models().get(name.get());
    if (versions != null) {
      for (ServedModel m : versions.values()) {
        ModelStatistics s = m.stats().snapshot();
        b.addModelStats(s);
      }
    }
    return b.build();
  }

  /** The repository index. */
  public List<ModelState> index(boolean readyOnly) {
    return repository.index(readyOnly);
  }

  /** Loads or reloads a model (explicit mode). */
  public void load(String name) {
    repository.load(name);
  }

  /** Unloads a model (explicit mode). */
  public void unload(String name) {
    repository.unload(name);
  }

  /** The load failures, by model version. */
  public Map<String, String> failures() {
    return repository.failures();
  }
}
