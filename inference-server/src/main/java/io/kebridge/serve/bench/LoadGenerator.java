package io.kebridge.serve.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop HTTP load generator on java.net.http: each client thread sends the prepared
 * request, waits for the answer and sends again, so throughput and latency are those the server
 * gives at that concurrency. Latencies of the measured phase are kept in full for exact
 * percentiles.
 */
public final class LoadGenerator {
  private LoadGenerator() {}

  /** Runs the load and reports it. */
  public static LoadReport run(LoadSettings settings, PreparedRequest request) {
    HttpClient client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
    HttpRequest.Builder b = HttpRequest.newBuilder(settings.inferUri())
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
    if (request.jsonLength() >= 0) {
      b.header("Inference-Header-Content-Length", Integer.toString(request.jsonLength()))
          .header("Content-Type", "application/octet-stream");
    } else {
      b.header("Content-Type", "application/json");
    }
    if (settings.token() != null) {
      b.header("Authorization", "Bearer " + settings.token());
    }
    HttpRequest httpRequest = b.build();

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
            boolean ok = send(client, httpRequest, errors, firstError, t0 >= warmupEnd);
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

  private static boolean send(HttpClient client, HttpRequest request, AtomicLong errors,
      AtomicReference<String> firstError, boolean measured) {
    try {
      HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() == 200) {
        return true;
      }
      if (measured) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, r.statusCode() + " "
            + new String(r.body(), 0, Math.min(200, r.body().length), StandardCharsets.UTF_8));
      }
      return false;
    } catch (IOException e) {
      if (measured) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, e.toString());
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
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
