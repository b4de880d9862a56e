package io.kebridge.serve.repository;

import io.kebridge.serve.ServeException;
import io.kebridge.serve.batching.BatchRequest;
import io.kebridge.serve.batching.DynamicBatcher;
import io.kebridge.serve.session.ModelSession;
import io.kebridge.serve.stats.ModelStats;
import io.kebridge.serve.warmup.WarmupSample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model version being served: its session, batcher, resolved configuration and statistics,
 * reference-counted. The repository holds one reference while the version is live; every request
 * holds one while it runs. A replaced or removed version is retired (the repository drops its
 * reference) and closes only when the last request in flight releases it, so no request ever sees
 * its session closed under it.
 */
public final class ServedModel {
  private static final Logger LOG = LoggerFactory.getLogger(ServedModel.class);

  /** One warm-up entry as it ran: its name, batch size, how often and how long in total. */
  public record WarmupRun(String name, int batchSize, int count, long nanos) {}

  private final ModelSession session;
  private final DynamicBatcher batcher;
  private final ResolvedConfig config;
  private final ModelStats stats;
  private final String fingerprint;
  private final AtomicInteger refs = new AtomicInteger(1);
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile List<WarmupRun> warmup = List.of();

  ServedModel(ModelSession session, DynamicBatcher batcher, ResolvedConfig config,
      ModelStats stats, String fingerprint) {
    this.session = session;
    this.batcher = batcher;
    this.config = config;
    this.stats = stats;
    this.fingerprint = fingerprint;
  }

  /** The session: metadata and card. */
  public ModelSession session() {
    return session;
  }

  /** The batcher requests are submitted to. */
  public DynamicBatcher batcher() {
    return batcher;
  }

  /** The configuration it is served with. */
  public ResolvedConfig config() {
    return config;
  }

  /** Its statistics since it was loaded. */
  public ModelStats stats() {
    return stats;
  }

  /** The warm-up inferences it ran before it took traffic. */
  public List<WarmupRun> warmup() {
    return warmup;
  }

  String fingerprint() {
    return fingerprint;
  }

  /** Runs the warm-up samples through the batcher, each as often as it asks; fails loudly. */
  void warmUp(Duration timeout) {
    List<WarmupRun> runs = new ArrayList<>();
    for (WarmupSample s : config.warmups()) {
      long t0 = System.nanoTime();
      for (int i = 0; i < s.count(); i++) {
        BatchRequest r = batcher.submit(new BatchRequest(s.inputs(), s.shapes(), true));
        try {
          r.result().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw ServeException.unavailable("interrupted during warm-up", 1);
        } catch (ExecutionException | TimeoutException e) {
          Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
          throw ServeException.internal("warm-up \"" + s.name() + "\" of model " + session.name()
              + " version " + session.version() + " failed: " + cause.getMessage(), cause);
        }
      }
      runs.add(new WarmupRun(s.name(), s.batchSize(), s.count(), System.nanoTime() - t0));
    }
    warmup = List.copyOf(runs);
  }

  /** Takes a reference unless the model has already been closed. */
  boolean tryAcquire() {
    while (true) {
      int r = refs.get();
      if (r <= 0) {
        return false;
      }
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  /** Drops a reference; the last one closes the batcher and session off the caller's thread. */
  void release() {
    if (refs.decrementAndGet() == 0) {
      Thread t = new Thread(this::closeNow, "close-" + session.name() + "-v" + session.version());
      t.setDaemon(true);
      t.start();
    }
  }

  /** Closes at once (a version that never went live). */
  void discard() {
    if (refs.decrementAndGet() == 0) {
      closeNow();
    }
  }

  /** Waits until the model has been closed after its last release. */
  boolean awaitClosed(long millis) throws InterruptedException {
    return closed.await(millis, TimeUnit.MILLISECONDS);
  }

  private void closeNow() {
    try {
      batcher.close();
      session.close();
      LOG.info("closed model {} version {}", session.name(), session.version());
    } catch (RuntimeException e) {
      LOG.error("closing model {} version {} failed: {}", session.name(), session.version(),
          e.getMessage(), e);
    } finally {
      closed.countDown();
    }
  }
}
