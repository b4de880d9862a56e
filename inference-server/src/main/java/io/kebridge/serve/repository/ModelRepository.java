package io.kebridge.serve.repository;

import static io.kebridge.serve.ServeException.clip;

import io.kebridge.serve.ServeException;
import io.kebridge.serve.batching.Arrivals;
import io.kebridge.serve.batching.BatchObserver;
import io.kebridge.serve.batching.DynamicBatcher;
import io.kebridge.serve.config.ModelControlMode;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.session.ModelSession;
import io.kebridge.serve.session.SessionSettings;
import io.kebridge.serve.stats.ModelStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models being served, kept in step with a Triton-layout folder as the model control mode
 * says ({@link ModelControlMode}). A version is loaded, configured from its {@code config.pbtxt},
 * warmed up and only then published; a version whose files change is loaded anew and swapped in
 * once warm (the old one keeps serving until then and closes when its last request ends); a version
 * that disappears is unloaded; one that fails to load is reported and retried only when its files
 * change.
 *
 * <p>Readers (health probes, lookups, metadata) never wait: they read one immutable {@link
 * Snapshot}, which the writers (start, rescans, load and unload requests, close) publish whole.
 * Only writers take the lock, so a probe answers at once while a large model loads.
 */
public final class ModelRepository implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);

  /** What readers see: live versions, versions being loaded, failures, and the lifecycle. */
  private record Snapshot(Map<String, NavigableMap<Long, ServedModel>> live, Set<String> loading,
      Map<String, String> failures, boolean started, boolean closed) {
    Snapshot with(Map<String, NavigableMap<Long, ServedModel>> l, Map<String, String> f) {
      return new Snapshot(Collections.unmodifiableMap(l), loading, Map.copyOf(f), started, closed);
    }

    Snapshot loading(Set<String> keys) {
      return new Snapshot(live, Set.copyOf(keys), failures, started, closed);
    }
  }

  private final ServerConfig config;
  private final RepositoryScanner scanner;
  private final SessionSettings sessionSettings;
  private final BatchObserver observer;
  private final RepositoryListener listener;
  private final Arrivals arrivals;
  private final Object writeLock = new Object();
  private final Map<String, String> failedFingerprints = new HashMap<>();
  private final Set<String> warned = new HashSet<>();
  private final Set<String> explicit = new LinkedHashSet<>();
  private volatile Snapshot snapshot = new Snapshot(Map.of(), Set.of(), Map.of(), false, false);
  private ScheduledExecutorService poller;

  /**
   * A repository for {@code config.repository()}; nothing is loaded before {@link #start}. Every
   * batcher also waits for the server-wide {@code arrivals}.
   */
  public ModelRepository(ServerConfig config, BatchObserver observer, RepositoryListener listener,
      Arrivals arrivals) {
    this.config = config;
    this.scanner = new RepositoryScanner(config.repository(), config.versionPolicy());
    this.sessionSettings = SessionSettings.of(config);
    this.observer = observer;
    this.listener = listener;
    this.arrivals = arrivals;
  }

  /** A repository with no observers (tools and tests). */
  public ModelRepository(ServerConfig config) {
    this(config, BatchObserver.NONE, RepositoryListener.NONE, new Arrivals());
  }

  /** Loads what the control mode says to load at start, then polls in poll mode. */
  public void start() {
    synchronized (writeLock) {
      if (config.controlMode() == ModelControlMode.EXPLICIT) {
        List<String> asked = config.loadModels();
        Collection<String> names = asked.contains("*") ? scanner.names() : asked;
        explicit.addAll(names);
        sync(names);
      } else {
        sync(allNames());
      }
      Snapshot s = snapshot;
      snapshot = new Snapshot(s.live, s.loading, s.failures, true, s.closed);
    }
    Duration every = config.pollInterval();
    if (config.controlMode() == ModelControlMode.POLL && !every.isZero()) {
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

  /** Rescans the models the control mode follows now and applies the differences. */
  public void refresh() {
    synchronized (writeLock) {
      if (snapshot.closed) {
        return;
      }
      sync(config.controlMode() == ModelControlMode.EXPLICIT ? List.copyOf(explicit) : allNames());
    }
  }

  /**
   * Loads model {@code name} (every version its policy selects), or reloads the versions whose
   * files changed: Triton's {@code POST /v2/repository/models/NAME/load}. Explicit mode only.
   */
  public void load(String name) {
    requireExplicit("load");
    synchronized (writeLock) {
      requireOpen();
      if (!RepositoryScanner.NAME.matcher(name).matches() || !scanner.names().contains(name)) {
        throw ServeException.notFound("no model '" + clip(name) + "' in the repository "
            + config.repository());
      }
      explicit.add(name);
      sync(List.of(name));
      Snapshot s = snapshot;
      if (!s.live.containsKey(name)) {
        String failure = firstFailure(s, name);
        throw ServeException.badRequest("failed to load model '" + name + "'"
            + (failure == null ? ": it has no version folder with a model file" : ": " + failure));
      }
    }
  }

  /** Unloads every version of model {@code name}: Triton's repository unload. Explicit mode only. */
  public void unload(String name) {
    requireExplicit("unload");
    synchronized (writeLock) {
      requireOpen();
      explicit.remove(name);
      Snapshot s = snapshot;
      Map<String, NavigableMap<Long, ServedModel>> next = new TreeMap<>(s.live);
      NavigableMap<Long, ServedModel> gone = next.remove(name);
      Map<String, String> failures = new HashMap<>(s.failures);
      failures.keySet().removeIf(k -> isOf(k, name));
      failedFingerprints.keySet().removeIf(k -> isOf(k, name));
      snapshot = s.with(next, failures);
      if (gone != null) {
        retire(gone.values());
      }
    }
  }

  private void requireExplicit(String what) {
    if (config.controlMode() != ModelControlMode.EXPLICIT) {
      throw ServeException.notAllowed("explicit model " + what + " is not allowed with"
          + " model-control-mode " + config.controlMode().text() + "; start the server with"
          + " --model-control-mode explicit");
    }
  }

  private void requireOpen() {
    if (snapshot.closed) {
      throw ServeException.unavailable("the server is shutting down", 1);
    }
  }

  private List<String> allNames() {
    Set<String> names = new TreeSet<>(scanner.names());
    names.addAll(snapshot.live.keySet());
    names.addAll(failureModels(snapshot));
    return List.copyOf(names);
  }

  private static Set<String> failureModels(Snapshot s) {
    Set<String> names = new HashSet<>();
    s.failures.keySet().forEach(k -> names.add(modelOf(k)));
    return names;
  }

  /** Brings the named models in step with the disk; the caller holds the write lock. */
  private void sync(Collection<String> names) {
    Set<String> wantedNames = new HashSet<>(names);
    Map<String, ModelEntry> onDisk = scanner.scan(wantedNames::contains);
    Map<String, NavigableMap<Long, ServedModel>> next = new TreeMap<>(snapshot.live);
    Map<String, String> failures = new HashMap<>(snapshot.failures);
    List<ServedModel> retired = new ArrayList<>();
    for (String name : names) {
      ModelEntry entry = onDisk.get(name);
      NavigableMap<Long, ServedModel> current = snapshot.live.getOrDefault(name, new TreeMap<>());
      if (entry == null) {
        retired.addAll(current.values());
        next.remove(name);
        failures.keySet().removeIf(k -> isOf(k, name));
        if (explicit.contains(name)) {
          failures.put(name, "no model folder " + name + " in " + config.repository());
        }
        continue;
      }
      if (entry.configError() != null) {
        // Keep serving what was loaded with the last readable config.
        if (!entry.configError().equals(failures.get(name))) {
          LOG.error("model {}: {}", name, entry.configError());
        }
        failures.put(name, entry.configError());
        continue;
      }
      failures.remove(name);
      warnIgnored(name, entry.config() == null ? List.of() : entry.config().ignored());
      NavigableMap<Long, ServedModel> versions = new TreeMap<>();
      for (ModelFiles files : entry.versions().values()) {
        String key = name + "/" + files.version();
        ServedModel old = current.get(files.version());
        if (old != null && old.fingerprint().equals(files.fingerprint())) {
          versions.put(files.version(), old);
          continue;
        }
        if (files.fingerprint().equals(failedFingerprints.get(key))) {
          if (old != null) {
            versions.put(files.version(), old);
          }
          continue;
        }
        snapshot = snapshot.loading(plus(snapshot.loading, key));
        try {
          ServedModel fresh = load(entry, files);
          versions.put(files.version(), fresh);
          failures.remove(key);
          failedFingerprints.remove(key);
          if (old != null) {
            retired.add(old);
          }
        } catch (ServeException e) {
          LOG.error("model {} version {} failed to load: {}", name, files.version(),
              e.getMessage(), e);
          failures.put(key, e.getMessage());
          failedFingerprints.put(key, files.fingerprint());
          if (old != null) {
            versions.put(files.version(), old);
          }
        } finally {
          Set<String> loading = new HashSet<>(snapshot.loading);
          loading.remove(key);
          snapshot = snapshot.loading(loading);
        }
      }
      if (versions.isEmpty() && !current.isEmpty()) {
        // Every version on disk failed to load (say a broken new latest version): keep serving
        // what was served rather than nothing.
        versions.putAll(current);
      }
      current.forEach((v, m) -> {
        if (!versions.containsKey(v)) {
          retired.add(m);
        }
      });
      failures.keySet().removeIf(k -> isOf(k, name) && k.contains("/")
          && !entry.versions().containsKey(Long.parseLong(k.substring(k.lastIndexOf('/') + 1))));
      if (versions.isEmpty()) {
        next.remove(name);
      } else {
        next.put(name, Collections.unmodifiableNavigableMap(versions));
      }
    }
    snapshot = snapshot.with(next, failures);
    retire(retired);
  }

  private static Set<String> plus(Set<String> set, String key) {
    Set<String> out = new HashSet<>(set);
    out.add(key);
    return out;
  }

  private static boolean isOf(String key, String name) {
    return key.equals(name) || key.startsWith(name + "/");
  }

  private static String modelOf(String key) {
    int slash = key.lastIndexOf('/');
    return slash < 0 ? key : key.substring(0, slash);
  }

  private void retire(Collection<ServedModel> models) {
    for (ServedModel m : models) {
      LOG.info("unloading model {} version {}", m.session().name(), m.session().version());
      listener.unloaded(m);
      m.release();
    }
  }

  private void warnIgnored(String name, List<String> ignored) {
    for (String field : ignored) {
      if (warned.add(name + ":" + field)) {
        LOG.warn("model {}: config.pbtxt field {} is not supported by this server and is ignored",
            name, field);
      }
    }
  }

  private ServedModel load(ModelEntry entry, ModelFiles files) {
    long start = System.nanoTime();
    SessionSettings settings = ConfigResolver.sessionSettings(entry, sessionSettings);
    ModelSession session = ModelSession.open(files.name(), files.version(), files.onnx(), settings);
    ServedModel model;
    try {
      ResolvedConfig resolved = ConfigResolver.resolve(entry, session, config);
      warnIgnored(entry.name(), resolved.ignored());
      ModelStats stats = new ModelStats(files.name(), files.version());
      DynamicBatcher batcher = new DynamicBatcher(session, resolved.batching(),
          observer.andThen((m, v, t) -> stats.batch(t)), arrivals);
      model = new ServedModel(session, batcher, resolved, stats, files.fingerprint());
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
    try {
      model.warmUp(config.requestTimeout());
    } catch (RuntimeException e) {
      model.discard();
      throw e;
    }
    listener.loaded(model);
    LOG.info("loaded model {} version {} from {} in {} ms (inputs {}, outputs {}, {} warm-up"
            + " inference(s))", files.name(), files.version(), files.onnx(),
        (System.nanoTime() - start) / 1_000_000, session.inputs(), session.outputs(),
        model.warmup().stream().mapToInt(ServedModel.WarmupRun::count).sum());
    return model;
  }

  /**
   * Holds model {@code name} at {@code version} (or its highest version when empty) for one
   * request; "not found" when there is no such model or version.
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
    Snapshot s = snapshot;
    NavigableMap<Long, ServedModel> versions = s.live.get(name);
    if (versions == null || versions.isEmpty()) {
      String failure = firstFailure(s, name);
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

  private static String firstFailure(Snapshot s, String name) {
    return s.failures.entrySet().stream().filter(e -> isOf(e.getKey(), name))
        .map(Map.Entry::getValue).findFirst().orElse(null);
  }

  /** The versions served for {@code name}, highest last; empty for an unknown model. */
  public List<Long> versions(String name) {
    NavigableMap<Long, ServedModel> v = snapshot.live.get(name);
    return v == null ? List.of() : List.copyOf(v.keySet());
  }

  /** Every served model version, by name then version. */
  public Map<String, NavigableMap<Long, ServedModel>> models() {
    return snapshot.live;
  }

  /**
   * True once the start-up load is done and no model version it follows has failed to load (a
   * broken rollout keeps the server not ready, so it is visible to probes). Never waits.
   */
  public boolean ready() {
    Snapshot s = snapshot;
    return s.started && !s.closed && s.failures.isEmpty();
  }

  /** Load failures by {@code name/version} (or {@code name} for an unreadable config). */
  public Map<String, String> failures() {
    return snapshot.failures;
  }

  /**
   * The repository index: every model folder on disk and every served model, one entry per
   * version (READY, LOADING or UNAVAILABLE with the reason); only READY ones when {@code ready}.
   */
  public List<ModelState> index(boolean ready) {
    Snapshot s = snapshot;
    Map<String, ModelEntry> onDisk = scanner.scan(n -> true);
    Set<String> names = new TreeSet<>(onDisk.keySet());
    names.addAll(s.live.keySet());
    List<ModelState> out = new ArrayList<>();
    for (String name : names) {
      Set<Long> versions = new TreeSet<>();
      ModelEntry entry = onDisk.get(name);
      if (entry != null) {
        versions.addAll(entry.versions().keySet());
      }
      NavigableMap<Long, ServedModel> live = s.live.getOrDefault(name, Collections.emptyNavigableMap());
      versions.addAll(live.keySet());
      if (versions.isEmpty()) {
        String reason = s.failures.getOrDefault(name, "no version folder with a model file");
        if (!ready) {
          out.add(new ModelState(name, null, ModelState.UNAVAILABLE, reason));
        }
        continue;
      }
      for (long v : versions) {
        String key = name + "/" + v;
        ModelState state;
        if (live.containsKey(v)) {
          state = new ModelState(name, v, ModelState.READY, "");
        } else if (s.loading.contains(key)) {
          state = new ModelState(name, v, ModelState.LOADING, "");
        } else if (s.failures.containsKey(key) || s.failures.containsKey(name)) {
          state = new ModelState(name, v, ModelState.UNAVAILABLE,
              s.failures.getOrDefault(key, s.failures.get(name)));
        } else {
          state = new ModelState(name, v, ModelState.UNAVAILABLE,
              config.controlMode() == ModelControlMode.EXPLICIT ? "unloaded" : "not loaded yet");
        }
        if (!ready || state.state().equals(ModelState.READY)) {
          out.add(state);
        }
      }
    }
    return out;
  }

  /**
   * Stops polling and unloads every model; waits up to {@code timeout} for the requests still
   * holding models to finish so that sessions are closed before returning.
   */
  public void close(Duration timeout) {
    List<ServedModel> all = new ArrayList<>();
    synchronized (writeLock) {
      Snapshot s = snapshot;
      if (s.closed) {
        return;
      }
      if (poller != null) {
        poller.shutdownNow();
      }
      s.live.values().forEach(v -> all.addAll(v.values()));
      snapshot = new Snapshot(Map.of(), Set.of(), Map.of(), s.started, true);
    }
    retire(all);
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
