package io.kebridge.serve.metrics;

import io.kebridge.serve.batching.BatchObserver;
import io.kebridge.serve.batching.BatchTiming;
import io.kebridge.serve.repository.RepositoryListener;
import io.kebridge.serve.repository.ServedModel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The server's Prometheus metrics through Micrometer: requests by model, endpoint, protocol and
 * status ({@code ke_requests_total}), request latency ({@code ke_request_latency_seconds}), rows
 * per ONNX Runtime run ({@code ke_batch_size}), time in ONNX Runtime ({@code ke_inference_seconds}),
 * time requests waited in the batch queue ({@code ke_queue_wait_seconds}), queued requests per
 * model version ({@code ke_queue_depth}), model versions loaded and failed ({@code
 * ke_models_loaded}, {@code ke_models_failed}), and the JVM and process: memory, GC, threads,
 * classes, CPU and uptime. Close it to unhook the GC listener.
 */
public final class ServerMetrics implements BatchObserver, RepositoryListener, AutoCloseable {
  /** The content type of {@link #scrape}. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Map<String, ServedModel> current = new ConcurrentHashMap<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> latencies = new ConcurrentHashMap<>();
  private final Map<String, BatchMeters> batchMeters = new ConcurrentHashMap<>();

  /** A registry with the JVM and process meters bound. */
  public ServerMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /** Reports how many model versions are served and how many failed to load. */
  public void modelGauges(Supplier<Number> loaded, Supplier<Number> failed) {
    Gauge.builder("ke.models.loaded", loaded).description("Model versions being served")
        .register(registry);
    Gauge.builder("ke.models.failed", failed)
        .description("Model versions (or configs) that failed to load").register(registry);
  }

  /** Counts one answered request and records its latency. */
  public void request(String model, String endpoint, String protocol, String status,
      long nanos) {
    counter(model, endpoint, protocol, status).increment();
    latency(model, endpoint, protocol).record(nanos, TimeUnit.NANOSECONDS);
  }

  // Meters are cached (here and per batch): a registry lookup sorts and hashes tags, on every
  // request otherwise.
  private Counter counter(String model, String endpoint, String protocol, String status) {
    return counters.computeIfAbsent(model + '|' + endpoint + '|' + protocol + '|' + status, k ->
        Counter.builder("ke.requests")
            .description("Requests answered, by model, endpoint, protocol and status")
            .tags("model", model, "endpoint", endpoint, "protocol", protocol,
                "status", status)
            .register(registry));
  }

  private Timer latency(String model, String endpoint, String protocol) {
    return latencies.computeIfAbsent(model + '|' + endpoint + '|' + protocol, k ->
        histogram("ke.request.latency", "Time from request to answer", Duration.ofMillis(1),
            "model", model, "endpoint", endpoint, "protocol", protocol));
  }

  /** A timer with a percentile histogram from {@code least} up to 10 s. */
  private Timer histogram(String name, String description, Duration least, String... tags) {
    return Timer.builder(name)
        .description(description)
        .tags(tags)
        .publishPercentileHistogram()
        .minimumExpectedValue(least)
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  @Override
  public void batchRan(String model, long version, BatchTiming t) {
    BatchMeters m = batchMeters(model, version);
    m.sizes.record(t.rows());
    m.inference.record(t.inferNanos(), TimeUnit.NANOSECONDS);
    for (long q : t.queueNanos()) {
      m.queueWait.record(q, TimeUnit.NANOSECONDS);
    }
  }

  /** One model version's per-batch meters. */
  private record BatchMeters(DistributionSummary sizes, Timer inference, Timer queueWait) {}

  private BatchMeters batchMeters(String model, long version) {
    return batchMeters.computeIfAbsent(model + '|' + version, k -> new BatchMeters(
        DistributionSummary.builder("ke.batch.size")
            .description("Rows per ONNX Runtime run")
            .tags("model", model, "version", Long.toString(version))
            .serviceLevelObjectives(BATCH_BUCKETS)
            .register(registry),
        histogram("ke.inference", "Time spent in ONNX Runtime per batch",
            Duration.ofNanos(100_000), "model", model, "version", Long.toString(version)),
        histogram("ke.queue.wait",
            "Time a request waited in the batch queue before its batch started",
            Duration.ofNanos(10_000), "model", model, "version", Long.toString(version))));
  }

  @Override
  public void loaded(ServedModel model) {
    // A replacement loads before the old version unloads, under the same tags: the gauge reads
    // whichever model currently holds its key.
    String key = key(model);
    current.put(key, model);
    // The meters a successful inference records into exist from the load on (at zero, as
    // Triton's counters do): built lazily, the first client's request paid for their histograms
    // and classes, the one cost the warm-up, being kept out of the metrics, left cold.
    String name = model.session().name();
    batchMeters(name, model.session().version());
    for (String[] p : new String[][] {{"http", "200"}, {"grpc", "OK"}}) {
      counter(name, "infer", p[0], p[1]);
      latency(name, "infer", p[0]);
    }
    String version = Long.toString(model.session().version());
    if (registry.find("ke.queue.depth").tags("model", model.session().name(), "version", version)
        .gauge() != null) {
      return;
    }
    Gauge.builder("ke.queue.depth", current, c -> {
          ServedModel m = c.get(key);
          return m == null ? 0 : m.batcher().queueDepth();
        })
        .description("Requests waiting for a batch")
        .tags("model", model.session().name(), "version", version)
        .register(registry);
  }

  @Override
  public void unloaded(ServedModel model) {
    String key = key(model);
    if (current.remove(key, model)) {
      registry.find("ke.queue.depth")
          .tags("model", model.session().name(), "version",
              Long.toString(model.session().version()))
          .meters()
          .forEach(registry::remove);
    }
  }

  private static String key(ServedModel m) {
    return m.session().name() + "/" + m.session().version();
  }

  /** The metrics in Prometheus text format. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
