package io.kebridge.serve.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop load generator: each client thread sends the prepared request (REST or gRPC,
 * {@link LoadClient}), waits for the answer and sends again, so throughput and latency are those
 * the server gives at that concurrency. Latencies of the measured phase are kept in full for exact
 * percentiles.
 */
public final class LoadGenerator {
  private LoadGenerator() {}

  /** Runs the load through {@code client} and reports it. */
  public static LoadReport run(LoadSettings settings, LoadClient client) {
    long warmupEnd = System.nanoTime() + settings.warmup().toNanos();
    long end = warmupEnd + settings.duration().toNanos();
    AtomicLong errors = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    List<long[]> perThread = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    CountDownLatch finished = new CountDownLatch(settings.concurrency());
    for (int c = 0; c < settings.concurrency(); c++) {
      long[][] holder = {new long[1024]};
      int[] count = {0};
      Thread t = new Thread(() -> {
        try {
          while (true) {
            long t0 = System.nanoTime();
            if (t0 >= end) {
              break;
            }
            String error = client.send();
            boolean ok = error == null;
            if (!ok && t0 >= warmupEnd) {
              errors.incrementAndGet();
              firstError.compareAndSet(null, error);
            }
            long t1 = System.nanoTime();
            if (ok && t0 >= warmupEnd && t1 <= end) {
              if (count[0] == holder[0].length) {
                holder[0] = Arrays.copyOf(holder[0], holder[0].length * 2);
              }
              holder[0][count[0]++] = t1 - t0;
            }
          }
        } finally {
          synchronized (perThread) {
            perThread.add(Arrays.copyOf(holder[0], count[0]));
          }
          finished.countDown();
        }
      }, "load-" + c);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    try {
      finished.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      threads.forEach(Thread::interrupt);
    }
    long[] all = perThread.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    double seconds = settings.duration().toNanos() / 1e9;
    return new LoadReport(settings.concurrency(), all.length, errors.get(), firstError.get(),
        seconds, all.length * (double) settings.rowsPerRequest() / seconds,
        percentile(all, 0.50), percentile(all, 0.90), percentile(all, 0.99));
  }

  /** The {@code q} quantile of sorted nanoseconds, in milliseconds (nearest rank). */
  static double percentile(long[] sortedNanos, double q) {
    if (sortedNanos.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sortedNanos.length) - 1;
    return sortedNanos[Math.max(0, Math.min(rank, sortedNanos.length - 1))] / 1e6;
  }
}
