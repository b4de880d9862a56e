package io.kebridge.cli;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.io.Folders;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.training.bench.StepProfile;
import io.kebridge.training.bench.TrainBenchmark;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ke bench train}: KE training speed on TensorFlow with synthetic data: images/s (median of
 * timed windows after warm-up), the KE step between generations, and resident memory.
 */
@Command(
    name = "train",
    header = "Measure KE training speed on TensorFlow, optionally against PyTorch.",
    mixinStandardHelpOptions = true,
    description = {
      "Measure KE training on TensorFlow with synthetic images: training images/s (median of",
      "timed windows after warm-up), the KE step between generations (re-init + dense and slim",
      "evaluation + checkpoint) and its share of a generation, and resident memory before and",
      "after (flat when no native tensor leaks)."
    })
public final class BenchTrainCommand implements Callable<Integer> {

  @Option(names = "--arch", paramLabel = "ARCH", defaultValue = "resnet18",
      description = "Architecture (default: ${DEFAULT-VALUE}).")
  String arch;

  @Option(names = "--stem", paramLabel = "STEM", defaultValue = "auto",
      description = "ResNet stem: auto, cifar, imagenet (default: ${DEFAULT-VALUE}).")
  String stem;

  @Option(names = "--input", paramLabel = "CxHxW", defaultValue = "3x32x32",
      description = "Input CxHxW (default: ${DEFAULT-VALUE}).")
  String input;

  @Option(names = "--classes", paramLabel = "N", defaultValue = "10", description = "Classes (default: ${DEFAULT-VALUE}).")
  int classes;

  @Option(names = "--width", paramLabel = "W", defaultValue = "0",
      description = "Base width, 0 = the architecture's (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32",
      description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
      description = "TensorFlow intra/inter-op threads, 0 = TF's choice (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--warmup-steps", paramLabel = "N", defaultValue = "5",
      description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
  int warmupSteps;

  @Option(names = "--windows", paramLabel = "N", defaultValue = "5",
      description = "Timed windows (default: ${DEFAULT-VALUE}).")
  int windows;

  @Option(names = "--steps", paramLabel = "N", defaultValue = "10",
      description = "Steps per window (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--eval-images", paramLabel = "N", defaultValue = "2000",
      description = "Images evaluated, dense and slim, per KE step (default: ${DEFAULT-VALUE}).")
  int evalImages;

  @Option(names = "--ke-repeats", paramLabel = "N", defaultValue = "3",
      description = "KE steps measured (default: ${DEFAULT-VALUE}).")
  int keRepeats;

  @Option(names = "--generation-images", paramLabel = "N", defaultValue = "1000",
      description = "Training images per epoch of the generation the KE step is compared with"
          + " (default: ${DEFAULT-VALUE}).")
  int generationImages;

  @Option(names = "--epochs", paramLabel = "E", defaultValue = "10",
      description = "Epochs of that generation (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--profile", paramLabel = "STEPS", defaultValue = "0",
      description = "Instead of timing, trace STEPS steps after warm-up and print where a step's"
          + " time goes per TensorFlow op type (RunMetadata step statistics).")
  int profile;

  @Option(names = "--top", paramLabel = "N", defaultValue = "25",
      description = "Op types --profile lists (default: ${DEFAULT-VALUE}).")
  int top;

  @Option(names = "--pytorch", paramLabel = "SCRIPT", arity = "0..1",
      fallbackValue = "bench/pytorch_train.py",
      description = "Pair every round with PyTorch running the same step (ResNet-18 only): runs"
          + " python3 SCRIPT (default: ${FALLBACK-VALUE}) with the same settings, in alternation,"
          + " and prints both rates and their ratio. PyTorch runs twice a round, with its default"
          + " OpenMP threads (which spin while they wait: faster on an idle machine) and with"
          + " OMP_WAIT_POLICY=PASSIVE (several times faster when other processes hold the"
          + " cores); the faster of the two is the baseline.")
  String pytorch;

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "1",
      description = "With --pytorch: alternating rounds, each figure the median (default:"
          + " ${DEFAULT-VALUE}).")
  int rounds;

  @Spec picocli.CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() throws IOException {
    if (rounds < 1) {
      throw new picocli.CommandLine.ParameterException(command.commandLine(),
          "--rounds must be at least 1");
    }
    if (pytorch != null && !arch.equals("resnet18")) {
      throw new picocli.CommandLine.ParameterException(command.commandLine(),
          "--pytorch pairs the ResNet-18 step only (the script builds torchvision's ResNet-18)");
    }
    ActivationShape shape;
    ArchitectureConfig.Stem stemKind;
    try {
      shape = ActivationShape.parse(input);
      stemKind = ArchitectureConfig.Stem.parse(stem);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(command.commandLine(), e.getMessage());
    }
    NetworkSpec spec =
        Architectures.build(arch, new ArchitectureConfig(shape, classes, width, stemKind));
    PrintWriter out = command.commandLine().getOut();
    out.printf(Locale.ROOT,
        "bench train: %s %s, %d classes, batch %d, threads %d; %d warm-up steps, %d windows x %d"
            + " steps%n", spec.architecture(), shape, classes, batchSize, threads, warmupSteps,
        windows, steps);
    out.println(CpuFeatures.machine());
    out.flush();
    if (profile > 0) {
      StepProfile.Result p = StepProfile.run(spec, batchSize, threads, warmupSteps, profile);
      out.printf(Locale.ROOT, "traced steps: %d; wall %.2f ms per step, op time %.2f ms per step "
          + "(%.0f ops per step, %.1f us per op)%n", profile, p.wallMillis(), p.opMillis(),
          p.opsPerStep(), 1000 * p.opMillis() / Math.max(1, p.opsPerStep()));
      out.printf(Locale.ROOT, "%-36s %9s %11s %7s %10s%n", "op type", "per step", "ms/step",
          "share", "us per op");
      for (StepProfile.OpType t : p.ops().subList(0, Math.min(top, p.ops().size()))) {
        out.printf(Locale.ROOT, "%-36s %9.1f %11.3f %6.1f%% %10.1f%n", t.op(), t.perStep(),
            t.millisPerStep(), 100 * t.millisPerStep() / p.opMillis(),
            1000 * t.millisPerStep() / Math.max(t.perStep(), 1e-9));
      }
      out.printf(Locale.ROOT, "%nthe costliest nodes:%n");
      for (StepProfile.OpType t : p.nodes().subList(0, Math.min(top, p.nodes().size()))) {
        out.printf(Locale.ROOT, "%-70s %9.3f ms %6.1f%%%n", t.op(), t.millisPerStep(),
            100 * t.millisPerStep() / p.opMillis());
      }
      out.flush();
      return 0;
    }
    TrainBenchmark.Result r = null;
    double[] ke = new double[rounds];
    double[] torch = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      Path scratch = Files.createTempDirectory("ke-bench-train");
      try {
        r = TrainBenchmark.run(
            new TrainBenchmark.Settings(spec, batchSize, threads, warmupSteps, windows, steps,
                evalImages, keRepeats), scratch);
      } finally {
        Folders.deleteTree(scratch);
      }
      ke[i] = r.imagesPerSecond();
      if (pytorch != null) {
        ArchitectureConfig same = new ArchitectureConfig(shape, classes, width, stemKind);
        double spinning = pytorchRate(same, null);
        double passive = pytorchRate(same, "PASSIVE");
        torch[i] = Math.max(spinning, passive);
        out.printf(Locale.ROOT, "round %d: ke %.1f images/s, pytorch %.1f images/s: %.2fx"
            + " (pytorch with its default OpenMP wait %.1f, with OMP_WAIT_POLICY=PASSIVE %.1f)%n",
            i + 1, ke[i], torch[i], ke[i] / torch[i], spinning, passive);
        out.flush();
      }
    }
    StringBuilder each = new StringBuilder();
    for (double w : r.windowImagesPerSecond()) {
      each.append(each.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", w));
    }
    double generationSeconds = (double) generationImages * epochs / r.imagesPerSecond();
    out.printf(Locale.ROOT, "parameters:          %,d%n", r.parameters());
    out.printf(Locale.ROOT, "training images/s:   %.1f median (windows: %s)%n",
        r.imagesPerSecond(), each);
    out.printf(Locale.ROOT, "step time:           %.1f ms median%n", r.stepMillis());
    out.printf(Locale.ROOT,
        "KE step:             %.3f s median (re-init %.3f s, evaluate %d images dense+slim %.3f s,"
            + " checkpoint + weights %.3f s)%n",
        r.keStepSeconds(), r.reinitSeconds(), evalImages, r.evalSeconds(), r.saveSeconds());
    if (pytorch != null) {
      double[] ratios = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        ratios[i] = ke[i] / torch[i];
      }
      out.printf(Locale.ROOT, "against PyTorch:     ke %.1f, pytorch %.1f images/s (medians of %d"
              + " alternating rounds): %.2fx (rounds: %s)%n", TrainBenchmark.median(ke),
          TrainBenchmark.median(torch), rounds, TrainBenchmark.median(ratios), join(ratios));
    }
    out.printf(Locale.ROOT,
        "KE step share:       %.2f%% of a generation of %d epochs x %d images (%.1f s)%n",
        100 * r.keStepSeconds() / (generationSeconds + r.keStepSeconds()), epochs,
        generationImages, generationSeconds);
    out.printf(Locale.ROOT, "RSS:                 %.0f MiB after warm-up, %.0f MiB at the end%n",
        r.rssBeforeBytes() / 1048576.0, r.rssAfterBytes() / 1048576.0);
    out.flush();
    return 0;
  }

  private static String join(double[] v) {
    StringBuilder b = new StringBuilder();
    for (double x : v) {
      b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", x));
    }
    return b.toString();
  }

  /**
   * Runs the PyTorch script with this command's settings and reads its median images/s; with
   * {@code waitPolicy} as OMP_WAIT_POLICY, or OpenMP's own default when it is null.
   */
  private double pytorchRate(ArchitectureConfig config, String waitPolicy) throws IOException {
    ActivationShape shape = config.input();
    Path script = Path.of(pytorch);
    if (!Files.isRegularFile(script)) {
      throw new io.kebridge.models.ModelException("the PyTorch script " + script + " does not"
          + " exist; run from the repository root or pass --pytorch PATH");
    }
    int w = width == 0 ? 64 : width;
    java.util.List<String> cmd = java.util.List.of("python3", script.toString(), "--input",
        shape.toString(), "--classes", Integer.toString(classes), "--width", Integer.toString(w),
        "--stem", config.resolvedStem().name().toLowerCase(Locale.ROOT),
        "--batch-size", Integer.toString(batchSize), "--threads", Integer.toString(threads),
        "--warmup-steps", Integer.toString(warmupSteps), "--windows", Integer.toString(windows),
        "--steps", Integer.toString(steps));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (waitPolicy == null) {
      pb.environment().remove("OMP_WAIT_POLICY");
    } else {
      pb.environment().put("OMP_WAIT_POLICY", waitPolicy);
    }
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new io.kebridge.models.ModelException("python3 " + script + " failed: "
            + output.strip().lines().reduce((a, b) -> b).orElse(""));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new io.kebridge.models.ModelException("interrupted while PyTorch ran", e);
    }
    var m = java.util.regex.Pattern.compile("([0-9.]+) images/s median").matcher(output);
    if (!m.find()) {
      throw new io.kebridge.models.ModelException(script + " printed no 'images/s median': "
          + output.strip());
    }
    return Double.parseDouble(m.group(1));
  }
}
