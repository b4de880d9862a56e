package io.kebridge.training.bench;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.weights.SafeTensors;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.training.TrainingException;
import io.kebridge.training.graph.TfDevice;
import io.kebridge.training.ke.KeGraph;
import io.kebridge.training.ke.ReinitRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Measures KE training speed on synthetic data: training images per second (the median of several
 * timed windows after warm-up steps, batches prepared beforehand so only the graph is timed), the
 * KE step between generations (re-initialisation, dense and slim evaluation, checkpoint and
 * generation weights written) and the process's resident memory before and after, which must
 * stay flat when no native tensor leaks.
 */
public final class TrainBenchmark {
  private static final int DISTINCT_BATCHES = 4;

  private TrainBenchmark() {}

  /**
   * What to measure.
   *
   * @param windows timed windows of {@code stepsPerWindow} steps each
   * @param evalImages images evaluated (dense and slim) in each KE step
   * @param keRepeats KE steps measured
   */
  public record Settings(
      NetworkSpec spec,
      int batchSize,
      int threads,
      int warmupSteps,
      int windows,
      int stepsPerWindow,
      int evalImages,
      int keRepeats) {
    public Settings {
      if (batchSize < 2 || warmupSteps < 0 || windows < 1 || stepsPerWindow < 1
          || evalImages < 1 || keRepeats < 1 || threads < 0) {
        throw new TrainingException(
            "benchmark needs batch >= 2, windows, steps, evaluation images and KE repeats >= 1");
      }
    }
  }

  /**
   * The figures.
   *
   * @param windowImagesPerSecond images/s of each timed window, in order
   * @param keStepSeconds each KE step's total, in order
   */
  public record Result(
      double imagesPerSecond,
      double[] windowImagesPerSecond,
      double stepMillis,
      double keStepSeconds,
      double[] keStepSecondsEach,
      double reinitSeconds,
      double evalSeconds,
      double saveSeconds,
      long rssBeforeBytes,
      long rssAfterBytes,
      long parameters) {}

  /** Runs the benchmark, writing checkpoints into {@code scratch} (deleted by the caller). */
  public static Result run(Settings s, Path scratch) {
    NetworkSpec spec = s.spec();
    ActivationShape in = spec.input().shape();
    int per = (int) in.elements();
    SplittableRandom random = new SplittableRandom(1);
    float[][] batches = new float[DISTINCT_BATCHES][s.batchSize() * per];
    int[][] labels = new int[DISTINCT_BATCHES][s.batchSize()];
    for (int b = 0; b < DISTINCT_BATCHES; b++) {
      for (int i = 0; i < batches[b].length; i++) {
        batches[b][i] = (float) random.nextGaussian();
      }
      for (int i = 0; i < s.batchSize(); i++) {
        labels[b][i] = random.nextInt(spec.classes());
      }
    }
    float[] eval = new float[Math.min(s.evalImages(), 500) * per];
    for (int i = 0; i < eval.length; i++) {
      eval[i] = (float) random.nextGaussian();
    }
    KelsPlan plan = new KelsPlan(0.5);
    KeGraph.Settings settings =
        new KeGraph.Settings(0.9, 1e-4, 0.1, ReinitRule.REFERENCE, 0.5, TfDevice.CPU,
            s.threads());
    try (KeGraph g = KeGraph.build(spec, settings)) {
      g.loadWeights(WeightInit.heNormal(spec, 1));
      g.loadMasks(plan.masks(spec));
      g.resetMomentum();
      for (int i = 0; i < s.warmupSteps(); i++) {
        step(g, batches, labels, i, s.batchSize());
      }
      long rssBefore = rss();
      double[] windows = new double[s.windows()];
      int step = 0;
      for (int w = 0; w < s.windows(); w++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < s.stepsPerWindow(); i++) {
          step(g, batches, labels, step++, s.batchSize());
        }
        windows[w] = (double) s.stepsPerWindow() * s.batchSize() / seconds(t0);
      }
      double[] ke = new double[s.keRepeats()];
      double[] reinit = new double[s.keRepeats()];
      double[] evals = new double[s.keRepeats()];
      double[] saves = new double[s.keRepeats()];
      for (int r = 0; r < s.keRepeats(); r++) {
        long t0 = System.nanoTime();
        g.reinitialise(1, r + 2);
        reinit[r] = seconds(t0);
        long t1 = System.nanoTime();
        int chunk = eval.length / per;
        for (int done = 0; done < s.evalImages(); done += chunk) {
          int n = Math.min(chunk, s.evalImages() - done);
          float[] x = n == chunk ? eval : Arrays.copyOf(eval, n * per);
          g.predict(x, n, false);
          g.predict(x, n, true);
        }
        evals[r] = seconds(t1);
        long t2 = System.nanoTime();
        Path dir = scratch.resolve("ke-step-" + r);
        Files.createDirectories(dir);
        g.save(dir.resolve("variables"));
        SafeTensors.write(dir.resolve("weights.safetensors"), g.readWeights());
        saves[r] = seconds(t2);
        ke[r] = seconds(t0);
      }
      for (int i = 0; i < s.stepsPerWindow(); i++) {
        step(g, batches, labels, step++, s.batchSize());
      }
      long rssAfter = rss();
      return new Result(
          median(windows),
          windows,
          1000.0 * s.batchSize() / median(windows),
          median(ke),
          ke,
          median(reinit),
          median(evals),
          median(saves),
          rssBefore,
          rssAfter,
          spec.params().stream().mapToLong(p -> p.elements()).sum());
    } catch (IOException e) {
      throw new TrainingException("cannot write benchmark checkpoints to " + scratch + ": "
          + e.getMessage(), e);
    }
  }

  private static void step(KeGraph g, float[][] x, int[][] y, int i, int n) {
    int b = i % x.length;
    g.train(x[b], y[b], n, 0.01f, 0, i);
  }

  /** Median of the values (mean of the middle two for an even count). */
  public static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /** Resident set size of this process in bytes (Linux), or -1 where unknown. */
  public static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.trim().split("\\s+");
          return Long.parseLong(parts[1]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
