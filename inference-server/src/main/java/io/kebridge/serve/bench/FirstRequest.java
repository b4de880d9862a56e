package io.kebridge.serve.bench;

import java.util.Arrays;

/**
 * How a freshly started server answers its very first inference compared with its steady state:
 * the client first asks readiness {@value #PROBES} times over its own connection (warming its own
 * code, as a readiness probe does to the server), idles {@value #SETTLE_MILLIS} ms so that its own
 * JIT compiler threads, busy after those probes, are not on the server's cores while the timed
 * request runs (a client on its own machine never is), then the first inference is timed, then
 * the median and p99 of the next {@code steady} requests sent back to back, then, after the same
 * idle time, one more request: what any request after a pause costs (cold caches, sleeping
 * threads), the part of a first request that no warm-up can remove.
 */
public final class FirstRequest {
  /**
   * The figures, in milliseconds, as the client saw them (first, then p50 and p99 of the steady
   * requests) and as the server's statistics count them (the first request, and the mean of the
   * steady ones; NaN when the server's statistics cannot be read).
   */
  public record Result(double firstMs, double p50Ms, double p99Ms, int steady, String error,
      double serverFirstMs, double serverMeanMs, double afterIdleMs, double serverAfterIdleMs) {
    /** first / p50, as the client saw them. */
    public double ratio() {
      return firstMs / p50Ms;
    }

    /** The server's first over its mean steady latency. */
    public double serverRatio() {
      return serverFirstMs / serverMeanMs;
    }

    /** The server's request after an idle pause over its mean steady latency. */
    public double serverAfterIdleRatio() {
      return serverAfterIdleMs / serverMeanMs;
    }
  }

  /** Readiness probes before the first inference. */
  public static final int PROBES = 20;

  /** Idle time between the probes and the timed first inference. */
  public static final int SETTLE_MILLIS = 1000;

  private FirstRequest() {}

  private static void settle() {
    try {
      Thread.sleep(SETTLE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Result failed(double first, int steady, String error) {
    return new Result(first, Double.NaN, Double.NaN, steady, error, Double.NaN, Double.NaN,
        Double.NaN, Double.NaN);
  }

  /** Measures through {@code client}. */
  public static Result measure(LoadClient client, int steady) {
    for (int i = 0; i < PROBES; i++) {
      String problem = client.probe();
      if (problem != null) {
        return failed(Double.NaN, 0, problem);
      }
    }
    settle();
    long s0 = client.serverSuccessNanos();
    long t0 = System.nanoTime();
    String error = client.send();
    double first = (System.nanoTime() - t0) / 1e6;
    if (error != null) {
      return failed(first, 0, error);
    }
    long s1 = client.serverSuccessNanos();
    long[] times = new long[steady];
    for (int i = 0; i < steady; i++) {
      long t = System.nanoTime();
      error = client.send();
      times[i] = System.nanoTime() - t;
      if (error != null) {
        return failed(first, i, error);
      }
    }
    long s2 = client.serverSuccessNanos();
    settle();
    long t1 = System.nanoTime();
    error = client.send();
    double afterIdle = (System.nanoTime() - t1) / 1e6;
    if (error != null) {
      return failed(first, steady, error);
    }
    long s3 = client.serverSuccessNanos();
    boolean server = s0 >= 0 && s1 >= 0 && s2 >= 0 && s3 >= 0;
    Arrays.sort(times);
    return new Result(first, LoadGenerator.percentile(times, 0.5),
        LoadGenerator.percentile(times, 0.99), steady, null,
        server ? (s1 - s0) / 1e6 : Double.NaN, server ? (s2 - s1) / 1e6 / steady : Double.NaN,
        afterIdle, server ? (s3 - s2) / 1e6 : Double.NaN);
  }
}
