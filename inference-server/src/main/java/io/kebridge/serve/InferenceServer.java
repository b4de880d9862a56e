package io.kebridge.serve;

import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.http.HttpApi;
import io.kebridge.serve.inference.InferenceService;
import io.kebridge.serve.metrics.ServerMetrics;
import io.kebridge.serve.repository.ModelRepository;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole inference server: the model repository (loaded before the port opens, then polled),
 * the batching inference service, metrics and the HTTP API. {@link #start} returns once it
 * answers; {@link #close} shuts down gracefully: new requests are refused with 503, requests in
 * flight are answered, then the port closes and the sessions are released.
 */
public final class InferenceServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);

  private final ServerConfig config;
  private final ServerMetrics metrics;
  private final ModelRepository repository;
  private final HttpApi http;
  private boolean closed;

  private InferenceServer(ServerConfig config, ServerMetrics metrics, ModelRepository repository,
      HttpApi http) {
    this.config = config;
    this.metrics = metrics;
    this.repository = repository;
    this.http = http;
  }

  /** Loads the repository and starts answering on the configured host and port. */
  public static InferenceServer start(ServerConfig config) {
    long t0 = System.nanoTime();
    ServerMetrics metrics = new ServerMetrics();
    ModelRepository repository = new ModelRepository(config, metrics, metrics);
    try {
      repository.start();
      InferenceService inference = new InferenceService(repository, config.requestTimeout());
      HttpApi http = new HttpApi(config, inference, metrics, version());
      LOG.info("serving {} model(s) from {} on http://{}:{} (ready in {} ms){}",
          repository.models().size(), config.repository(), config.host(), http.port(),
          (System.nanoTime() - t0) / 1_000_000,
          config.token() == null ? "" : ", bearer token required");
      return new InferenceServer(config, metrics, repository, http);
    } catch (RuntimeException e) {
      repository.close(Duration.ZERO);
      throw e;
    }
  }

  /** The port answered on. */
  public int port() {
    return http.port();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8000}. */
  public String url() {
    String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    return "http://" + host + ":" + port();
  }

  /** The configuration served with. */
  public ServerConfig config() {
    return config;
  }

  /** The model repository (for tests and tools that trigger a rescan). */
  public ModelRepository repository() {
    return repository;
  }

  /** The metrics registry. */
  public ServerMetrics metrics() {
    return metrics;
  }

  /** Shuts down gracefully within the configured shutdown timeout. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long t0 = System.nanoTime();
    boolean drained = http.drain(config.shutdownTimeout());
    if (!drained) {
      LOG.warn("{} request(s) still running after {}; stopping anyway", http.inFlight(),
          config.shutdownTimeout());
    }
    http.close();
    Duration left = config.shutdownTimeout().minusNanos(System.nanoTime() - t0);
    repository.close(left.isNegative() ? Duration.ZERO : left);
    LOG.info("server stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
  }

  /** The ke-bridge version from the jar manifest, or the development version. */
  public static String version() {
    String v = InferenceServer.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }
}
