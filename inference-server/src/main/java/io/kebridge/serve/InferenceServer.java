package io.kebridge.serve;

import io.kebridge.serve.batching.Arrivals;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.grpc.GrpcApi;
import io.kebridge.serve.http.HttpApi;
import io.kebridge.serve.inference.InferenceService;
import io.kebridge.serve.inference.V2Service;
import io.kebridge.serve.metrics.ServerMetrics;
import io.kebridge.serve.repository.ModelRepository;
import io.kebridge.serve.repository.ServedModel;
import io.kebridge.serve.warmup.ServingPathWarmup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole inference server: the REST and gRPC ports (open first, so liveness answers while
 * models load), the model repository (loaded, configured and warmed up), one warm-up round through
 * both ports, and only then ready. {@link #start} returns once it is ready; {@link #close} shuts
 * down gracefully: new requests are refused, requests in flight on both ports are answered, then
 * the ports close and the sessions are released.
 */
public final class InferenceServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);

  private final ServerConfig config;
  private final ServerMetrics metrics;
  private final ModelRepository repository;
  private final V2Service service;
  private final HttpApi http;
  private final GrpcApi grpc;
  private final int warmupRequests;
  private boolean closed;

  private InferenceServer(ServerConfig config, ServerMetrics metrics, ModelRepository repository,
      V2Service service, HttpApi http, GrpcApi grpc, int warmupRequests) {
    this.warmupRequests = warmupRequests;
    this.config = config;
    this.metrics = metrics;
    this.repository = repository;
    this.service = service;
    this.http = http;
    this.grpc = grpc;
  }

  /** Opens the ports, loads and warms the repository, and returns once the server is ready. */
  public static InferenceServer start(ServerConfig config) {
    long t0 = System.nanoTime();
    ServerMetrics metrics = new ServerMetrics();
    Arrivals arrivals = new Arrivals();
    ModelRepository repository = new ModelRepository(config, metrics, metrics, arrivals);
    metrics.modelGauges(
        () -> repository.models().values().stream().mapToInt(v -> v.size()).sum(),
        () -> repository.failures().size());
    V2Service service = new V2Service(config, repository,
        new InferenceService(repository, config.requestTimeout()), metrics, version());
    HttpApi http = null;
    GrpcApi grpc = null;
    try {
      http = new HttpApi(config, service);
      grpc = config.grpc() ? new GrpcApi(config, service, arrivals) : null;
      repository.start();
      List<ServedModel> latest = new ArrayList<>();
      repository.models().values().forEach(v -> latest.add(v.lastEntry().getValue()));
      int warmed = ServingPathWarmup.run(latest, config.host(), http.port(), grpc == null ? 0 : grpc.port(),
          config.token(), config.warmupRequests());
      service.warmedUp();
      LOG.info("serving {} model(s) from {} on http://{}:{}{} (ready in {} ms){}",
          repository.models().size(), config.repository(), config.host(), http.port(),
          grpc == null ? "" : " and grpc port " + grpc.port(),
          (System.nanoTime() - t0) / 1_000_000,
          config.token() == null ? "" : ", bearer token required");
      return new InferenceServer(config, metrics, repository, service, http, grpc, warmed);
    } catch (RuntimeException e) {
      if (grpc != null) {
        grpc.close();
      }
      if (http != null) {
        http.close();
      }
      repository.close(Duration.ZERO);
      metrics.close();
      throw e;
    }
  }

  /** The REST port. */
  public int port() {
    return http.port();
  }

  /**
   * Blocks until SIGTERM or Ctrl-C (a shutdown hook closes the server gracefully) or until the
   * calling thread is interrupted (an embedding program or a test: the same graceful close, the
   * hook removed again and the interrupt flag kept, so the caller can tell).
   */
  public void awaitStop() {
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      close();
      stopped.countDown();
    }, "graceful-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stopped.await();
    } catch (InterruptedException e) {
      close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting anyway; the hook closes the server a second time, harmlessly
      }
      Thread.currentThread().interrupt();
    }
  }

  /** The gRPC port, or 0 when gRPC is off. */
  public int grpcPort() {
    return grpc == null ? 0 : grpc.port();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8000}. */
  public String url() {
    return "http://" + hostForUrl() + ":" + port();
  }

  /** The gRPC target, e.g. {@code 127.0.0.1:8001}, or null when gRPC is off. */
  public String grpcTarget() {
    return grpc == null ? null : hostForUrl() + ":" + grpcPort();
  }

  private String hostForUrl() {
    return config.host().contains(":") ? "[" + config.host() + "]" : config.host();
  }

  /** How many start-up warm-up requests went through the server's own ports before ready. */
  public int warmupRequestsSent() {
    return warmupRequests;
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
    boolean drained = service.drain(config.shutdownTimeout());
    if (!drained) {
      LOG.warn("{} request(s) still running after {}; stopping anyway", service.inFlight(),
          config.shutdownTimeout());
    }
    http.close();
    if (grpc != null) {
      grpc.close();
    }
    Duration left = config.shutdownTimeout().minusNanos(System.nanoTime() - t0);
    repository.close(left.isNegative() ? Duration.ZERO : left);
    metrics.close();
    LOG.info("server stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
  }

  /** The ke-bridge version from the jar manifest, or the development version. */
  public static String version() {
    String v = InferenceServer.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }
}
