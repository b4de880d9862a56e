package io.kebridge.serve.bench;

import java.util.Arrays;

/**
 * How a freshly started server answers its very first inference compared with its steady state:
 * the client first asks readiness {@value #PROBES} times over its own connection (warming its own
 * code, as a readiness probe does to the server), then the first inference is timed, then the
 * median and p99 of the next {@code steady} requests sent back to back.
 */
public final class FirstRequest {
  /** The figures, in milliseconds, and the first request's latency over the steady median. */
  public record Result(double firstMs, double p50Ms, double p99Ms, int steady, String error) {
    /** first / p50. */
    public double ratio() {
      return firstMs / p50Ms;
    }
  }

  /** Readiness probes before the first inference. */
  public static final int PROBES = 20;

  private FirstRequest() {}

  /** Measures through {@code client}. */
  public static Result measure(LoadClient client, int steady) {
    for (int i = 0; i < PROBES; i++) {
      String problem = client.probe();
      if (problem != null) {
        return new Result(Double.NaN, Double.NaN, Double.NaN, 0, problem);
      }
    }
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
