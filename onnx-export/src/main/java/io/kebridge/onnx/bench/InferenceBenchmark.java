package io.kebridge.onnx.bench;

import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Measures inference latency of an ONNX model on ONNX Runtime: for each batch size, untimed
 * warm-up runs, then timed runs whose percentiles and throughput are reported (and, with one
 * intra-op thread, the CPU time of each run, which a shared machine's other load leaves alone). The input is fixed
 * random data in a direct native-order buffer, filled once, so only the model's run is timed.
 */
public final class InferenceBenchmark {
  private InferenceBenchmark() {}

  /**
   * What to measure.
   *
   * @param batchSizes batch sizes, each measured in turn
   * @param warmup untimed runs per batch size (lets ONNX Runtime allocate and tune)
   * @param iterations timed runs per batch size
   */
  public record Settings(List<Integer> batchSizes, int warmup, int iterations, OrtSettings ort) {
    public Settings {
      batchSizes = List.copyOf(batchSizes);
      if (batchSizes.isEmpty() || batchSizes.stream().anyMatch(b -> b <= 0)) {
        throw new OnnxException("batch sizes must be positive, got " + batchSizes);
      }
      if (warmup < 0 || iterations <= 0) {
        throw new OnnxException("need warmup >= 0 and iterations > 0, got " + warmup + " and "
            + iterations);
      }
    }
  }

  /** Opens the model once and measures every batch size. */
  public static List<LatencyResult> run(Path model, Settings settings) {
    try (OrtForward f = OrtForward.open(model, settings.ort())) {
      return run(f, settings);
    }
  }

  /** Measures every batch size on an open model (opened with {@code settings.ort()}). */
  public static List<LatencyResult> run(OrtForward model, Settings settings) {
    return compare(List.of(model), settings).get(0);
  }

  /**
   * Measures several models with their runs interleaved (A, B, A, B, ...), so that on a shared
   * machine each model sees the same background load and their ratio stays fair even when the
   * absolute figures drift. Returns, per model, one result per batch size.
   */
  public static List<List<LatencyResult>> compare(List<OrtForward> models, Settings settings) {
    List<List<LatencyResult>> out = new ArrayList<>();
    for (int m = 0; m < models.size(); m++) {
      out.add(new ArrayList<>());
    }
    for (int batch : settings.batchSizes()) {
      // with one intra-op thread ONNX Runtime computes on the calling thread, whose CPU time
      // is then the model's own work
      List<LatencyResult> r = interleaved(models, batch, settings.warmup(), settings.iterations(),
          settings.ort().intraOpThreads() == 1);
      for (int m = 0; m < models.size(); m++) {
        out.get(m).add(r.get(m));
      }
    }
    return out;
  }

  private static List<LatencyResult> interleaved(
      List<OrtForward> models, int batch, int warmup, int iterations, boolean cpuTime) {
    List<FloatBuffer> inputs = new ArrayList<>();
    for (OrtForward f : models) {
      FloatBuffer input = f.inputBuffer(batch);
      SplittableRandom r = new SplittableRandom(42);
      while (input.hasRemaining()) {
        input.put((float) (r.nextDouble() * 2 - 1));
      }
      inputs.add(input);
    }
    for (int i = 0; i < warmup; i++) {
      for (int m = 0; m < models.size(); m++) {
        inputs.get(m).rewind();
        models.get(m).run(inputs.get(m), batch);
      }
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    boolean cpu = cpuTime && threads.isCurrentThreadCpuTimeSupported();
    long[][] nanos = new long[models.size()][iterations];
    long[][] cpuNanos = new long[models.size()][iterations];
    long[] total = new long[models.size()];
    for (int i = 0; i < iterations; i++) {
      for (int m = 0; m < models.size(); m++) {
        inputs.get(m).rewind();
        long t0 = System.nanoTime();
        long c0 = cpu ? threads.getCurrentThreadCpuTime() : 0;
        models.get(m).run(inputs.get(m), batch);
        cpuNanos[m][i] = cpu ? threads.getCurrentThreadCpuTime() - c0 : 0;
        nanos[m][i] = System.nanoTime() - t0;
        total[m] += nanos[m][i];
      }
    }
    List<LatencyResult> out = new ArrayList<>();
    for (int m = 0; m < models.size(); m++) {
      long[] n = nanos[m];
      Arrays.sort(n);
      Arrays.sort(cpuNanos[m]);
      out.add(new LatencyResult(batch, iterations, percentile(n, 50), percentile(n, 90),
          percentile(n, 99), batch * (double) iterations / (total[m] / 1e9),
          cpu ? percentile(cpuNanos[m], 50) : Double.NaN));
    }
    return out;
  }

  /** Nearest-rank percentile of sorted nanoseconds, in milliseconds. */
  static double percentile(long[] sortedNanos, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sortedNanos.length);
    return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
  }
}
