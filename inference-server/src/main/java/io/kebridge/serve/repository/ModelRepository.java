package io.kebridge.serve.repository;

import static io.kebridge.serve.ServeException.clip;

import io.kebridge.serve.ServeException;
import io.kebridge.serve.batching.BatchObserver;
import io.kebridge.serve.batching.BatchingSettings;
import io.kebridge.serve.batching.DynamicBatcher;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.session.ModelSession;
import io.kebridge.serve.session.SessionSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models being served, kept in step with a Triton-layout folder. {@link #start} loads what is
 * there; then the folder is polled and versions that appear are loaded, versions whose files
 * change are loaded anew and swapped in once ready (the old session keeps serving until then and
 * closes when its last request ends), and versions that disappear are unloaded. A version that
 * fails to load is reported and retried only when its files change.
 */
public final class ModelRepository implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);

  private final ServerConfig config;
  private final RepositoryScanner scanner;
  private final SessionSettings sessionSettings;
  private final BatchObserver observer;
  private final RepositoryListener listener;
  private final Object lock = new Object();
  private final Map<String, String> failures = new HashMap<>();
  private final Map<String, String> failedFingerprints = new HashMap<>();
  private volatile Map<String, NavigableMap<Long, ServedModel>> live = Map.of();
  private volatile boolean started;
  private ScheduledExecutorService poller;
  private boolean closed;

  /** A repository for {@code config.repository()}; nothing is loaded before {@link #start}. */
  public ModelRepository(ServerConfig config, BatchObserver observer,
      RepositoryListener listener) {
    this.config = config;
    this.scanner = new RepositoryScanner(config.repository(), config.versionPolicy());
    this.sessionSettings = SessionSettings.of(config);
    this.observer = observer;
    this.listener = listener;
  }

  /** Loads every model found now, then starts polling when a poll interval is set. */
  public void start() {
    refresh();
    started = true;
    Duration every = config.pollInterval();
    if (!every.isZero()) {
      poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "repository-poll");
        t.setDaemon(true);
        return t;
      });
      poller.scheduleWithFixedDelay(this::pollSafely, every.toMillis(), every.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  private void pollSafely() {
    try {
      refresh();
    } catch (RuntimeException e) {
      // A scan can fail while files are being moved; the next poll tries again.
      LOG.warn("model repository scan failed: {}", e.getMessage(), e);
    }
  }

  /** Rescans the folder now and applies the differences. */
  public void refresh() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      Map<String, TreeMap<Long, ModelFiles>> wanted = scanner.scan();
      Map<String, NavigableMap<Long, ServedModel>> next = new TreeMap<>();
      List<ServedModel> retired = new ArrayList<>();
      for (var entry : wanted.entrySet()) {
        NavigableMap<Long, ServedModel> current = live.getOrDefault(entry.getKey(), new TreeMap<>());
        NavigableMap<Long, ServedModel> versions = new TreeMap<>();
        for (ModelFiles files : entry.getValue().values()) {
          ServedModel old = current.get(files.version());
          if (old != null && old.fingerprint().equals(files.fingerprint())) {
            versions.put(files.version(), old);
            continue;
          }
          ServedModel fresh = load(files);
          if (fresh != null) {
            versions.put(files.version(), fresh);
            if (old != null) {
              retired.add(old);
            }
          } else if (old != null) {
            versions.put(files.version(), old);
          }
        }
        if (versions.isEmpty() && !current.isEmpty()) {
          // Every version on disk failed to load (say a broken new latest version): keep serving
          // what was served rather than nothing.
          LOG.debug("model {}: no new version loaded; still serving versions {}", entry.getKey(),
              current.keySet());
          versions.putAll(current);
        }
        current.forEach((v, m) -> {
          if (!versions.containsKey(v)) {
            retired.add(m);
          }
        });
        if (!versions.isEmpty()) {
          next.put(entry.getKey(), Collections.unmodifiableNavigableMap(versions));
        }
      }
      live.forEach((name, versions) -> {
        if (!wanted.containsKey(name)) {
          retired.addAll(versions.values());
        }
      });
      failures.keySet().removeIf(key -> !wantedKey(wanted, key));
      live = Collections.unmodifiableMap(next);
      for (ServedModel m : retired) {
        LOG.info("unloading model {} version {}", m.session().name(), m.session().version());
        listener.unloaded(m);
        m.release();
      }
    }
  }

  private static boolean wantedKey(Map<String, TreeMap<Long, ModelFiles>> wanted, String key) {
    int slash = key.lastIndexOf('/');
    var versions = wanted.get(key.substring(0, slash));
    return versions != null && versions.containsKey(Long.parseLong(key.substring(slash + 1)));
  }

  private ServedModel load(ModelFiles files) {
    String key = files.name() + "/" + files.version();
    if (files.fingerprint().equals(failedFingerprints.get(key))) {
      return null;
    }
    long start = System.nanoTime();
    try {
      ModelConfigFile modelConfig = ModelConfigFile.read(files.config());
      ModelSession session = ModelSession.open(files.name(), files.version(), files.onnx(),
          sessionSettings);
      DynamicBatcher batcher;
      try {
        batcher = new DynamicBatcher(session, batching(modelConfig), observer);
      } catch (RuntimeException e) {
        session.close();
        throw e;
      }
      ServedModel model = new ServedModel(session, batcher, files.fingerprint());
      failures.remove(key);
      failedFingerprints.remove(key);
      listener.loaded(model);
      LOG.info("loaded model {} version {} from {} in {} ms (inputs {}, outputs {})",
          files.name(), files.version(), files.onnx(), (System.nanoTime() - start) / 1_000_000,
          session.inputs(), session.outputs());
      return model;
    } catch (ServeException e) {
      LOG.error("model {} version {} failed to load: {}", files.name(), files.version(),
          e.getMessage(), e);
      failures.put(key, e.getMessage());
      failedFingerprints.put(key, files.fingerprint());
      return null;
    }
  }

  private BatchingSettings batching(ModelConfigFile modelConfig) {
    int maxBatch = config.maxBatchSize();
    if (modelConfig.maxBatchSize().isPresent()) {
      maxBatch = Math.max(1, Math.min(maxBatch, modelConfig.maxBatchSize().getAsInt()));
    }
    Duration delay = modelConfig.maxQueueDelayMicros().isPresent()
        ? Duration.ofNanos(modelConfig.maxQueueDelayMicros().getAsLong() * 1000)
        : config.maxQueueDelay();
    return new BatchingSettings(maxBatch, delay, config.maxQueueSize(), config.batchWorkers());
  }

  /**
   * Holds model {@code name} at {@code version} (or its highest version when empty) for one
   * request; 404 when there is no such model or version.
   */
  public ModelHandle acquire(String name, Optional<Long> version) {
    // A version retired between the lookup and the acquire is closed already: look again.
    for (int attempt = 0; attempt < 100; attempt++) {
      ServedModel m = find(name, version);
      if (m.tryAcquire()) {
        return new ModelHandle(m);
      }
      Thread.onSpinWait();
    }
    throw ServeException.unavailable("model " + name + " is being reloaded; retry", 1);
  }

  /** The served model version without holding it (for metadata). */
  public ServedModel find(String name, Optional<Long> version) {
    NavigableMap<Long, ServedModel> versions = live.get(name);
    if (versions == null || versions.isEmpty()) {
      String failure = firstFailure(name);
      throw ServeException.notFound("unknown model '" + clip(name) + "'"
          + (failure == null ? "" : " (it failed to load: " + failure + ")"));
    }
    if (version.isEmpty()) {
      return versions.lastEntry().getValue();
    }
    ServedModel m = versions.get(version.get());
    if (m == null) {
      throw ServeException.notFound("model '" + name + "' has no version " + version.get()
          + "; served versions: " + versions.keySet());
    }
    return m;
  }

  private String firstFailure(String name) {
    synchronized (lock) {
      return failures.entrySet().stream().filter(e -> e.getKey().startsWith(name + "/"))
          .map(Map.Entry::getValue).findFirst().orElse(null);
    }
  }

  /** The versions served for {@code name}, highest last; empty for an unknown model. */
  public List<Long> versions(String name) {
    NavigableMap<Long, ServedModel> v = live.get(name);
    return v == null ? List.of() : List.copyOf(v.keySet());
  }

  /** Every served model version, by name then version. */
  public Map<String, NavigableMap<Long, ServedModel>> models() {
    return live;
  }

  /**
   * True once the first scan is done and every model version found on disk is loaded (a version
   * that failed to load keeps the server not ready, so a broken rollout is visible to probes).
   */
  public boolean ready() {
    synchronized (lock) {
      return started && !closed && failures.isEmpty();
    }
  }

  /** Load failures by {@code name/version}. */
  public Map<String, String> failures() {
    synchronized (lock) {
      return Map.copyOf(failures);
    }
  }

  /**
   * Stops polling and unloads every model; waits up to {@code timeout} for the requests still
   * holding models to finish so that sessions are closed before returning.
   */
  public void close(Duration timeout) {
    List<ServedModel> all = new ArrayList<>();
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      if (poller != null) {
        poller.shutdownNow();
      }
      live.values().forEach(v -> all.addAll(v.values()));
      live = Map.of();
    }
    for (ServedModel m : all) {
      listener.unloaded(m);
      m.release();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ServedModel m : all) {
      try {
        long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        if (!m.awaitClosed(left)) {
          LOG.warn("model {} version {} still in use after {}; leaving it open",
              m.session().name(), m.session().version(), timeout);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    close(config.shutdownTimeout());
  }
}
