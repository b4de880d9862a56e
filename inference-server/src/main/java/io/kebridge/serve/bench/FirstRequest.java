package io.kebridge.serve.bench;

import java.util.Arrays;

/**
 * How a freshly started server answers its very first inference compared with its steady state:
 * the first request's latency, then the median and p99 of the next {@code steady} requests sent
 * back to back by the same (already connected) client.
 */
public final class FirstRequest {
  /** The figures, in milliseconds, and the first request's latency over the steady median. */
  public record Result(double firstMs, double p50Ms, double p99Ms, int steady, String error) {
    /** first / p50. */
    public double ratio() {
      return firstMs / p50Ms;
    }
  }

  private FirstRequest() {}

  /** Measures through {@code client}, which should already have reached the server once. */
  public static Result measure(LoadClient client, int steady) {
    long t0 = System.nanoTime();
    String error = client.send();
    double first = (System.nanoTime() - t0) / 1e6;
    if (error != null) {
      return new Result(first, Double.NaN, Double.NaN, 0, error);
    }
    long[] times = new long[steady];
    for (int i = 0; i < steady; i++) {
      long t = System.nanoTime();
      error = client.send();
      times[i] = System.nanoTime() - t;
      if (error != null) {
        return new Result(first, Double.NaN, Double.NaN, i, error);
      }
    }
    Arrays.sort(times);
    return new Result(first, LoadGenerator.percentile(times, 0.5),
        LoadGenerator.percentile(times, 0.99), steady, null);
  }
}
