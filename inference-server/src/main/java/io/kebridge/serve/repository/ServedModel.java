package io.kebridge.serve.repository;

import io.kebridge.serve.batching.DynamicBatcher;
import io.kebridge.serve.session.ModelSession;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model version being served: its session and batcher, reference-counted. The repository holds
 * one reference while the version is live; every request holds one while it runs. A replaced or
 * removed version is retired (the repository drops its reference) and closes only when the last
 * request in flight releases it, so no request ever sees its session closed under it.
 */
public final class ServedModel {
  private static final Logger LOG = LoggerFactory.getLogger(ServedModel.class);

  private final ModelSession session;
  private final DynamicBatcher batcher;
  private final String fingerprint;
  private final AtomicInteger refs = new AtomicInteger(1);
  private final CountDownLatch closed = new CountDownLatch(1);

  ServedModel(ModelSession session, DynamicBatcher batcher, String fingerprint) {
    this.session = session;
    this.batcher = batcher;
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

  String fingerprint() {
    return fingerprint;
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
