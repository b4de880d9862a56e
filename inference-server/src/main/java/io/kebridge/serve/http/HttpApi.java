package io.kebridge.serve.http;

import static io.kebridge.serve.ServeException.clip;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.batching.DynamicBatcher;
import io.kebridge.serve.classify.Classifier;
import io.kebridge.serve.classify.MultipartBody;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.inference.InferenceService;
import io.kebridge.serve.metrics.ServerMetrics;
import io.kebridge.serve.protocol.EncodedBody;
import io.kebridge.serve.protocol.InferRequest;
import io.kebridge.serve.protocol.InferRequestParser;
import io.kebridge.serve.repository.ModelRepository;
import io.kebridge.serve.repository.ServedModel;
import io.kebridge.serve.session.ModelSession;
import io.kebridge.serve.session.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of the server on Javalin: the V2 REST endpoints, {@code classify} and {@code
 * /metrics}. Every endpoint goes through one wrapper that checks the bearer token, refuses new
 * work while draining, counts requests in flight (for graceful shutdown), turns every failure
 * into {@code {"error": "..."}} with its status, and records metrics.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BINARY_HEADER = "Inference-Header-Content-Length";
  private static final String UNKNOWN_MODEL = "_unknown";
  private static final int INPUT_BUFFER_BYTES = 64 * 1024;

  private final ServerConfig config;
  private final InferenceService inference;
  private final Classifier classifier;
  private final ServerMetrics metrics;
  private final String version;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Javalin app;
  private volatile boolean draining;

  /** Endpoint logic; the wrapper handles everything common. */
  @FunctionalInterface
  private interface Endpoint {
    void handle(Context ctx) throws Exception;
  }

  /** Creates and starts the HTTP server on the configured host and port. */
  public HttpApi(ServerConfig config, InferenceService inference, ServerMetrics metrics,
      String version) {
    this.config = config;
    this.inference = inference;
    this.classifier = new Classifier(inference);
    this.metrics = metrics;
    this.version = version;
    this.app = Javalin.create(c -> {
      c.showJavalinBanner = false;
      c.startupWatcherEnabled = false;
      c.http.disableCompression();
      // Bodies are read by RequestBodies under max-request-bytes; Javalin's own limit is unused.
      c.http.prefer405over404 = true;
      // Our own connector, so that request bodies are read in large chunks: with Jetty's 8 KiB
      // default a 600 KB binary tensor takes ~75 blocking read cycles.
      c.jetty.addConnector((server, httpConfig) -> {
        HttpConnectionFactory http = new HttpConnectionFactory(httpConfig);
        http.setInputBufferSize(INPUT_BUFFER_BYTES);
        ServerConnector connector = new ServerConnector(server, http);
        connector.setHost(config.host());
        connector.setPort(config.port());
        return connector;
      });
      // Javalin's server has a StatisticsHandler, so a stop timeout makes Jetty's stop graceful:
      // no new connections, and answers being written are finished.
      c.jetty.modifyServer(server -> {
        server.setStopTimeout(Math.max(1, config.shutdownTimeout().toMillis()));
        server.setErrorHandler(new JsonErrorHandler());
      });
    });
    routes();
    try {
      app.start();
    } catch (Exception e) {
      // Javalin (Kotlin) can throw checked exceptions from Jetty undeclared.
      stopQuietly(e);
      throw ServeException.internal("cannot listen on " + config.host() + ":" + config.port()
          + ": " + rootMessage(e) + " (is another server using the port?)", e);
    }
  }

  private void stopQuietly(Exception failure) {
    try {
      app.stop();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      if (t instanceof java.net.BindException) {
        break;
      }
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  private void routes() {
    app.get("/v2/health/live", wrap("health", false, ctx -> json(ctx, 200, Map.of("live", true))));
    app.get("/v2/health/ready", wrap("health", false, ctx -> {
      boolean ready = !draining && repository().ready();
      json(ctx, ready ? 200 : 503, Map.of("ready", ready));
    }));
    app.get("/v2", wrap("server_metadata", true, this::serverMetadata));
    app.get("/v2/models/{name}", wrap("model_metadata", true, this::modelMetadata));
    app.get("/v2/models/{name}/versions/{version}", wrap("model_metadata", true,
        this::modelMetadata));
    app.get("/v2/models/{name}/ready", wrap("model_ready", true, this::modelReady));
    app.get("/v2/models/{name}/versions/{version}/ready", wrap("model_ready", true,
        this::modelReady));
    app.post("/v2/models/{name}/infer", wrap("infer", true, this::infer));
    app.post("/v2/models/{name}/versions/{version}/infer", wrap("infer", true, this::infer));
    app.post("/v2/models/{name}/classify", wrap("classify", true, this::classify));
    app.post("/v2/models/{name}/versions/{version}/classify", wrap("classify", true,
        this::classify));
    app.get("/metrics", wrap("metrics", true, ctx -> {
      ctx.contentType(ServerMetrics.CONTENT_TYPE);
      ctx.result(metrics.scrape());
    }));
    // Javalin's own answers (no such route, wrong method) become V2 errors too.
    app.exception(HttpResponseException.class, (e, ctx) -> {
      ErrorBodies.write(ctx, e.getStatus(), e.getMessage(), 0);
      metrics.request(UNKNOWN_MODEL, "other", e.getStatus(), 0);
    });
    app.error(404, ctx -> {
      if (ctx.attribute(ErrorBodies.ANSWERED) == null) {
        ErrorBodies.write(ctx, 404, "no endpoint " + ctx.method() + " " + clip(ctx.path()), 0);
      }
    });
    app.error(405, ctx -> {
      if (ctx.attribute(ErrorBodies.ANSWERED) == null) {
        ErrorBodies.write(ctx, 405, "method " + ctx.method() + " is not allowed on "
            + clip(ctx.path()), 0);
      }
    });
  }

  private io.javalin.http.Handler wrap(String endpoint, boolean guarded, Endpoint e) {
    return ctx -> {
      long start = System.nanoTime();
      inFlight.incrementAndGet();
      String model = UNKNOWN_MODEL;
      try {
        if (guarded) {
          authorise(ctx);
          if (draining) {
            throw ServeException.unavailable("the server is shutting down", 1);
          }
          String name = ctx.pathParamMap().get("name");
          // Known models only, so metrics carry no tag a client made up (a served model always
          // has at least one version in the live map).
          if (name != null && repository().models().containsKey(name)) {
            model = name;
          }
        }
        e.handle(ctx);
      } catch (ServeException ex) {
        if (ex.status() >= 500 && ex.status() != 503) {
          LOG.error("{} {} failed: {}", ctx.method(), ctx.path(), ex.getMessage(), ex);
        }
        ErrorBodies.write(ctx, ex.status(), ex.getMessage(), ex.retryAfterSeconds());
      } catch (RuntimeException ex) {
        LOG.error("{} {} failed: {}", ctx.method(), ctx.path(), ex.getMessage(), ex);
        ErrorBodies.write(ctx, 500, "internal server error: " + ex, 0);
      } finally {
        inFlight.decrementAndGet();
        metrics.request(model, endpoint, ctx.statusCode(), System.nanoTime() - start);
      }
    };
  }

  private void authorise(Context ctx) {
    String token = config.token();
    if (token == null) {
      return;
    }
    String header = ctx.header("Authorization");
    String expected = "Bearer " + token;
    boolean ok = header != null && MessageDigest.isEqual(
        header.trim().getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    if (!ok) {
      throw new ServeException(401, header == null
          ? "this server needs a bearer token: send 'Authorization: Bearer TOKEN'"
          : "the bearer token is wrong");
    }
  }

  private void serverMetadata(Context ctx) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", "ke-bridge");
    body.put("version", version);
    body.put("extensions", List.of("binary_tensor_data", "classify"));
    json(ctx, 200, body);
  }

  private void modelMetadata(Context ctx) {
    String name = ctx.pathParam("name");
    ServedModel m = repository().find(name, version(ctx));
    ModelSession s = m.session();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", s.name());
    body.put("versions", repository().versions(name).stream().map(String::valueOf).toList());
    body.put("platform", "onnx_onnxv1");
    body.put("inputs", tensors(s.inputs()));
    body.put("outputs", tensors(s.outputs()));
    s.card().ifPresent(card -> {
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("classes", card.labels().size());
      params.put("architecture", card.architecture());
      params.put("network", card.network());
      params.put("split", card.split());
      params.put("generation", card.generation());
      body.put("parameters", params);
    });
    json(ctx, 200, body);
  }

  private static List<Map<String, Object>> tensors(List<TensorSpec> specs) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (TensorSpec t : specs) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", t.name());
      m.put("datatype", t.datatype().name());
      m.put("shape", t.shape());
      out.add(m);
    }
    return out;
  }

  private void modelReady(Context ctx) {
    ServedModel m = repository().find(ctx.pathParam("name"), version(ctx));
    json(ctx, 200, Map.of("name", m.session().name(), "version",
        Long.toString(m.session().version()), "ready", !draining));
  }

  private void infer(Context ctx) {
    String name = ctx.pathParam("name");
    Optional<Long> v = version(ctx);
    // 404 before reading a body for a model that does not exist; then announce the request to
    // the model's batcher while its body is read, so a batch forming meanwhile waits for it.
    InferRequest request;
    try (DynamicBatcher.Arrival arrival = repository().find(name, v).batcher().announce()) {
      byte[] body = RequestBodies.read(ctx, config.maxRequestBytes());
      String header = ctx.header(BINARY_HEADER);
      int jsonLength = body.length;
      if (header != null) {
        try {
          jsonLength = Integer.parseInt(header.trim());
        } catch (NumberFormatException e) {
          throw ServeException.badRequest(BINARY_HEADER + " must be a byte count, got '"
              + clip(header) + "'");
        }
      }
      request = InferRequestParser.parse(body, jsonLength);
    }
    EncodedBody out = inference.infer(name, v, request);
    if (out.binary()) {
      ctx.header(BINARY_HEADER, Integer.toString(out.jsonLength()));
      ctx.contentType("application/octet-stream");
    } else {
      ctx.contentType("application/json");
    }
    ctx.status(200);
    ctx.result(out.bytes());
  }

  private void classify(Context ctx) {
    String name = ctx.pathParam("name");
    Optional<Long> v = version(ctx);
    byte[] body;
    try (DynamicBatcher.Arrival arrival = repository().find(name, v).batcher().announce()) {
      body = RequestBodies.read(ctx, config.maxRequestBytes());
    }
    String type = ctx.contentType() == null ? "" : ctx.contentType();
    byte[] image = type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")
        ? MultipartBody.filePart(type, body) : body;
    if (image.length == 0) {
      throw ServeException.badRequest("the body is empty; send a PNG or JPEG image");
    }
    int topK = 5;
    String k = ctx.queryParam("top_k");
    if (k != null) {
      try {
        topK = Integer.parseInt(k);
      } catch (NumberFormatException e) {
        throw ServeException.badRequest("top_k must be a positive integer, got '" + clip(k) + "'");
      }
      if (topK < 1) {
        throw ServeException.badRequest("top_k must be a positive integer, got " + topK);
      }
    }
    Classifier.Classification c = classifier.classify(name, v, image, topK);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model_name", c.model());
    out.put("model_version", Long.toString(c.version()));
    List<Map<String, Object>> predictions = new ArrayList<>();
    for (Classifier.Prediction p : c.predictions()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("index", p.index());
      m.put("label", p.label());
      m.put("probability", p.probability());
      predictions.add(m);
    }
    out.put("predictions", predictions);
    json(ctx, 200, out);
  }

  private static Optional<Long> version(Context ctx) {
    String v = ctx.pathParamMap().get("version");
    if (v == null) {
      return Optional.empty();
    }
    try {
      long parsed = Long.parseLong(v);
      if (parsed >= 1) {
        return Optional.of(parsed);
      }
    } catch (NumberFormatException e) {
      // falls through to the 404 below: a version that cannot exist
    }
    throw ServeException.notFound("model '" + clip(ctx.pathParam("name")) + "' has no version '"
        + clip(v) + "' (versions are positive integers)");
  }

  private static void json(Context ctx, int status, Object body) {
    ctx.status(status);
    ctx.contentType("application/json");
    try {
      ctx.result(JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw ServeException.internal("cannot encode the answer: " + e.getMessage(), e);
    }
  }

  private ModelRepository repository() {
    return inference.repository();
  }

  /** The port the server listens on (the chosen one when the configured port was 0). */
  public int port() {
    return app.port();
  }

  /** Requests being answered now. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Stops taking new work (new requests get 503 with Retry-After, readiness turns 503) and waits
   * up to {@code timeout} for the requests in flight to be answered; true when all were.
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

  /** Stops the HTTP server (call {@link #drain} first for a graceful stop). */
  @Override
  public void close() {
    app.stop();
  }
}
