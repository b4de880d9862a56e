package io.kebridge.serve.bench;

import io.kebridge.serve.session.SessionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * The serving benchmark behind {@code ke bench serve} and the bench suite: the model file's raw
 * ONNX Runtime throughput before the load, one unmeasured load at the highest client count, one
 * closed-loop load per client count, and the raw throughput again after, so the server's share of
 * raw reads against the mean of two raw figures that bracket it.
 *
 * <p>The first load is long because a fresh JVM keeps compiling the HTTP, protocol and batching
 * paths for a while: with binary 224x224 requests at ~150 requests/s the server's JIT compiled
 * about 4,700 methods in the first 20 s of load and C2 still used 8% of the two cores then. A
 * server that has run for minutes pays none of that, so the measured loads should not either.
 */
public final class ServeBenchmark {
  private ServeBenchmark() {}

  /**
   * What to measure.
   *
   * @param client how the request is sent (REST or gRPC)
   * @param concurrency client counts, measured in this order
   * @param initialWarmup unmeasured load at the highest client count before the first measurement
   * @param warmup unmeasured load before each measurement
   * @param duration measured load per client count, and the length of each raw measurement
   * @param rowsPerRequest images per request
   * @param modelFile the served ONNX file for the raw measurement, or null to skip it
   * @param raw session settings of the raw measurement
   * @param rawBatch batch size of the raw measurement
   */
  public record Settings(LoadClient client, List<Integer> concurrency, Duration initialWarmup,
      Duration warmup, Duration duration, int rowsPerRequest, Path modelFile,
      SessionSettings raw, int rawBatch) {
    /** Checks the values. */
    public Settings {
      concurrency = List.copyOf(concurrency);
      if (concurrency.isEmpty() || concurrency.stream().anyMatch(c -> c < 1)) {
        throw new IllegalArgumentException("client counts must be at least 1, got " + concurrency);
      }
      if (initialWarmup.isNegative() || warmup.isNegative() || rawBatch < 1) {
        throw new IllegalArgumentException("warm-ups must not be negative and the raw batch must be"
            + " at least 1");
      }
    }
  }

  /**
   * The figures: raw throughput before and after (null when no model file was given) and one load
   * report per client count.
   */
  public record Result(RawThroughput.Result before, List<LoadReport> loads,
      RawThroughput.Result after) {
    /** Mean raw images/s of the two raw measurements, NaN without them. */
    public double rawImagesPerSecond() {
      return before == null ? Double.NaN : (before.imagesPerSecond() + after.imagesPerSecond()) / 2;
    }

    /** A load's throughput in percent of {@link #rawImagesPerSecond()}. */
    public double percentOfRaw(LoadReport load) {
      return 100 * load.imagesPerSecond() / rawImagesPerSecond();
    }
  }

  /** Runs the benchmark; {@code progress} sees each load report as soon as it is measured. */
  public static Result run(Settings s, Consumer<LoadReport> progress) {
    RawThroughput.Result before = s.modelFile() == null ? null
        : RawThroughput.measure(s.modelFile(), s.raw(), s.rawBatch(), s.duration());
    if (!s.initialWarmup().isZero()) {
      LoadGenerator.run(new LoadSettings(Collections.max(s.concurrency()), Duration.ZERO,
          s.initialWarmup(), s.rowsPerRequest()), s.client());
    }
    List<LoadReport> loads = new ArrayList<>();
    for (int c : s.concurrency()) {
      LoadReport r = LoadGenerator.run(new LoadSettings(c, s.warmup(), s.duration(),
          s.rowsPerRequest()), s.client());
      loads.add(r);
      progress.accept(r);
    }
    RawThroughput.Result after = s.modelFile() == null ? null
        : RawThroughput.measure(s.modelFile(), s.raw(), s.rawBatch(), s.duration());
    return new Result(before, List.copyOf(loads), after);
  }
}
