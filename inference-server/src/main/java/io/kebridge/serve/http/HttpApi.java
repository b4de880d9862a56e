package io.kebridge.serve.http;

import static io.kebridge.serve.ServeException.clip;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.classify.Classifier;
import io.kebridge.serve.classify.MultipartBody;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.inference.InferenceService;
import io.kebridge.serve.inference.V2Service;
import io.kebridge.serve.metrics.ServerMetrics;
import io.kebridge.serve.protocol.EncodedBody;
import io.kebridge.serve.protocol.InferRequest;
import io.kebridge.serve.protocol.InferRequestParser;
import io.kebridge.serve.protocol.InferResponseWriter;
import io.kebridge.serve.protocol.TritonJson;
import io.kebridge.serve.repository.ModelState;
import io.kebridge.serve.repository.ServedModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST face of the server on Javalin: the V2 endpoints, Triton's model configuration,
 * statistics and repository extensions, {@code classify} and {@code /metrics}. Every endpoint goes
 * through one wrapper that checks the bearer token, refuses new work while draining, counts
 * requests in flight (for graceful shutdown), turns every failure into {@code {"error": "..."}}
 * with its status, and records metrics. Health answers by status code as the protocol says: 200
 * for yes, 400 for no.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BINARY_HEADER = "Inference-Header-Content-Length";
  private static final String UNKNOWN_MODEL = "_unknown";
  private static final String WARMUP = "ke.warmup";
  private static final int INPUT_BUFFER_BYTES = 64 * 1024;

  private final ServerConfig config;
  private final V2Service service;
  private final ServerMetrics metrics;
  private final Javalin app;

  /** Endpoint logic; the wrapper handles everything common. */
  @FunctionalInterface
  private interface Endpoint {
    void handle(Context ctx) throws Exception;
  }

  /** Creates and starts the HTTP server on the configured host and port. */
  public HttpApi(ServerConfig config, V2Service service) {
    this.config = config;
    this.service = service;
    this.metrics = service.metrics();
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
        // Idle keep-alive connections would hold a graceful stop for Jetty's default second;
        // requests in flight are not idle and still finish.
        connector.setShutdownIdleTimeout(100);
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

  static String rootMessage(Throwable e) {
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
      boolean ready = service.ready();
      json(ctx, ready ? 200 : 400, Map.of("ready", ready));
    }));
    app.get("/v2", wrap("server_metadata", true,
        ctx -> raw(ctx, TritonJson.write(service.serverMetadata()))));
    // Before /v2/models/{name}, which would take "stats" for a model name.
    app.get("/v2/models/stats", wrap("statistics", true, ctx ->
        raw(ctx, TritonJson.write(service.statistics(Optional.empty(), Optional.empty())))));
    for (String base : List.of("/v2/models/{name}", "/v2/models/{name}/versions/{version}")) {
      app.get(base, wrap("model_metadata", true, this::modelMetadata));
      app.get(base + "/ready", wrap("model_ready", true, this::modelReady));
      app.get(base + "/config", wrap("model_config", true, ctx ->
          raw(ctx, TritonJson.write(service.modelConfig(ctx.pathParam("name"), version(ctx))))));
      app.get(base + "/stats", wrap("statistics", true, ctx -> raw(ctx, TritonJson.write(
          service.statistics(Optional.of(ctx.pathParam("name")), version(ctx))))));
      app.post(base + "/infer", wrap("infer", true, this::infer));
      app.post(base + "/classify", wrap("classify", true, this::classify));
    }
    app.post("/v2/repository/index", wrap("repository_index", true, this::index));
    app.post("/v2/repository/models/{name}/load", wrap("repository_load", true, ctx -> {
      body(ctx);
      service.load(ctx.pathParam("name"));
      json(ctx, 200, Map.of());
    }));
    app.post("/v2/repository/models/{name}/unload", wrap("repository_unload", true, ctx -> {
      body(ctx);
      service.unload(ctx.pathParam("name"));
      json(ctx, 200, Map.of());
    }));
    app.get("/metrics", wrap("metrics", true, ctx -> {
      ctx.contentType(ServerMetrics.CONTENT_TYPE);
      ctx.result(metrics.scrape());
    }));
    // Javalin's own answers (no such route, wrong method) become V2 errors too.
    app.exception(HttpResponseException.class, (e, ctx) -> {
      ErrorBodies.write(ctx, e.getStatus(), e.getMessage(), 0);
      metrics.request(UNKNOWN_MODEL, "other", "http", Integer.toString(e.getStatus()), 0);
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
      service.enter();
      String model = UNKNOWN_MODEL;
      try {
        if (guarded) {
          service.authorise(ctx.header("Authorization"));
          service.requireOpen();
          // Known models only, so metrics carry no tag a client made up.
          model = service.metricTag(ctx.pathParamMap().get("name"));
        }
        e.handle(ctx);
      } catch (ServeException ex) {
        if (ex.reason() == ServeException.Reason.INTERNAL) {
          LOG.error("{} {} failed: {}", ctx.method(), ctx.path(), ex.getMessage(), ex);
        }
        ErrorBodies.write(ctx, ex.status(), ex.getMessage(), ex.retryAfterSeconds());
      } catch (RuntimeException ex) {
        LOG.error("{} {} failed: {}", ctx.method(), ctx.path(), ex.getMessage(), ex);
        ErrorBodies.write(ctx, 500, "internal server error: " + ex, 0);
      } finally {
        service.exit();
        if (ctx.attribute(WARMUP) == null) {
          metrics.request(model, endpoint, "http", Integer.toString(ctx.statusCode()),
              System.nanoTime() - start);
        }
      }
    };
  }

  private void modelMetadata(Context ctx) throws IOException {
    String name = ctx.pathParam("name");
    Optional<Long> v = version(ctx);
    ObjectMapper m = JSON;
    Map<String, Object> body = m.readValue(TritonJson.write(service.modelMetadata(name, v)),
        m.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
    ServedModel served = service.model(name, v);
    served.session().card().ifPresent(card -> {
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("classes", card.labels().size());
      params.put("architecture", card.architecture());
      params.put("network", card.network().label());
      params.put("split", card.split());
      params.put("generation", card.generation());
      body.put("parameters", params);
    });
    json(ctx, 200, body);
  }

  private void modelReady(Context ctx) {
    String name = ctx.pathParam("name");
    boolean ready = service.modelReady(name, version(ctx));
    json(ctx, ready ? 200 : 400, Map.of("name", name, "ready", ready));
  }

  private void infer(Context ctx) {
    // One hold on the model for the whole request: 404 before the body is read for a model that
    // does not exist, and the request is announced to the batcher while its body is read, so a
    // batch forming meanwhile waits for it.
    try (InferenceService.Call call = service.inference().open(ctx.pathParam("name"),
        version(ctx))) {
      byte[] body = RequestBodies.read(ctx, config.maxRequestBytes());
      call.received();
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
      InferRequest request = InferRequestParser.parse(body, jsonLength);
      if (request.warmup()) {
        ctx.attribute(WARMUP, Boolean.TRUE);
      }
      EncodedBody out = InferResponseWriter.write(call.infer(request));
      if (out.binary()) {
        ctx.header(BINARY_HEADER, Integer.toString(out.jsonLength()));
        ctx.contentType("application/octet-stream");
      } else {
        ctx.contentType("application/json");
      }
      ctx.status(200);
      ctx.result(out.bytes());
    }
  }

  private void classify(Context ctx) {
    try (InferenceService.Call call = service.inference().open(ctx.pathParam("name"),
        version(ctx))) {
      byte[] body = RequestBodies.read(ctx, config.maxRequestBytes());
      call.received();
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
          throw ServeException.badRequest("top_k must be a positive integer, got '" + clip(k)
              + "'");
        }
        if (topK < 1) {
          throw ServeException.badRequest("top_k must be a positive integer, got " + topK);
        }
      }
      Classifier.Classification c = Classifier.classify(call, image, topK);
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
  }

  private void index(Context ctx) {
    JsonNode body = body(ctx);
    boolean ready = false;
    if (body != null && body.has("ready")) {
      if (!body.get("ready").isBoolean()) {
        throw ServeException.badRequest("\"ready\" must be true or false");
      }
      ready = body.get("ready").asBoolean();
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (ModelState s : service.index(ready)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", s.name());
      if (s.version() != null) {
        m.put("version", Long.toString(s.version()));
      }
      m.put("state", s.state());
      if (!s.reason().isEmpty()) {
        m.put("reason", s.reason());
      }
      out.add(m);
    }
    json(ctx, 200, out);
  }

  /** An optional JSON object body (the repository extension's parameters), or null when empty. */
  private JsonNode body(Context ctx) {
    byte[] bytes = RequestBodies.read(ctx, config.maxRequestBytes());
    if (bytes.length == 0) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node != null && !node.isObject()) {
        throw ServeException.badRequest("the body must be a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw ServeException.badRequest("invalid JSON: " + clip(e.getMessage()));
    }
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

  private static void raw(Context ctx, byte[] json) {
    ctx.status(200);
    ctx.contentType("application/json");
    ctx.result(json);
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

  /** The port the server listens on (the chosen one when the configured port was 0). */
  public int port() {
    return app.port();
  }

  /** Stops the HTTP server (drain the service first for a graceful stop). */
  @Override
  public void close() {
    app.stop();
  }
}
