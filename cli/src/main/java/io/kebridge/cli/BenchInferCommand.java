package io.kebridge.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.bench.InferenceBenchmark;
import io.kebridge.onnx.bench.LatencyResult;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.quantize.CalibrationSet;
import io.kebridge.onnx.quantize.FusionCheck;
import io.kebridge.onnx.quantize.QuantizationSettings;
import io.kebridge.onnx.quantize.Quantizer;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke bench infer}: ONNX Runtime latency percentiles and throughput of one or more ONNX
 * models, or of a built-in architecture's dense and KELS slim networks with random weights; with
 * two or more models it prints each one's median speed-up over the first.
 */
@Command(
    name = "infer",
    header = "Measure ONNX Runtime inference latency and throughput per batch size.",
    mixinStandardHelpOptions = true,
    description = {
      "Measure ONNX Runtime inference latency (p50/p90/p99) and throughput per batch size.",
      "Give ONNX files (the first is the baseline of the printed speed-ups), or --arch to build",
      "that architecture dense and KELS-slim with random weights (latency does not depend on them).",
      "--quantize int8 adds the INT8 model of each, calibrated on synthetic images, and prints the",
      "CPU's ISA flags (AVX2, AVX-512, VNNI, AMX) beside the ratios: the gain depends on them."
    })
public final class BenchInferCommand implements Runnable {

  @Parameters(arity = "0..*", paramLabel = "MODEL.onnx", description = "ONNX files to measure.")
  List<Path> models = new ArrayList<>();

  @Option(names = "--arch", paramLabel = "NAME",
      description = "Instead of files: this architecture, dense and slim (e.g. resnet18).")
  String arch;

  @Option(names = "--input", defaultValue = "3x224x224", paramLabel = "CxHxW",
      description = "Input shape with --arch (default: ${DEFAULT-VALUE}).")
  String input;

  @Option(names = "--classes", paramLabel = "N", defaultValue = "1000",
      description = "Classes with --arch (default: ${DEFAULT-VALUE}).")
  int classes;

  @Option(names = "--split", paramLabel = "SPLIT", defaultValue = "kels:0.5",
      description = "KELS split of the slim network with --arch (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--batch", defaultValue = "1,32", split = ",", paramLabel = "N[,N...]",
      description = "Batch sizes (default: ${DEFAULT-VALUE}).")
  List<Integer> batches;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
      description = "ONNX Runtime intra-op threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "10",
      description = "Untimed runs per batch size (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--iterations", paramLabel = "N", defaultValue = "50",
      description = "Timed runs per batch size (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--spinning",
      description = "Let idle intra-op threads spin (faster on an idle machine, slower on a busy one).")
  boolean spinning;

  @CommandLine.Mixin QuantizeOptions int8;

  @Spec CommandLine.Model.CommandSpec command;

  @Override
  public void run() {
    if (models.isEmpty() == (arch == null)) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "give ONNX files or --arch NAME, not both and not neither");
    }
    boolean quantize = int8.enabled();
    QuantizationSettings int8Settings =
        quantize ? int8.settings(QuantizationSettings.DEFAULT_MAX_LOSS) : null;
    OrtSettings ort = OrtSettings.defaults().withThreads(threads).withSpinning(spinning);
    InferenceBenchmark.Settings settings =
        new InferenceBenchmark.Settings(batches, warmup, iterations, ort);
    PrintWriter console = command.commandLine().getOut();
    console.printf(Locale.ROOT, "ONNX Runtime, %d intra-op threads, spinning %s, %d warm-up and %d"
        + " timed runs per batch size%n", threads, spinning ? "on" : "off", warmup, iterations);
    console.println(CpuFeatures.machine());
    List<String> labels = new ArrayList<>();
    Map<String, List<LatencyResult>> all = new LinkedHashMap<>();
    List<String[]> pairs = new ArrayList<>();
    try (Sessions sessions = new Sessions()) {
      List<OrtForward> open = sessions.open;
      Map<String, ModelProto> inMemory = arch != null ? generated() : new LinkedHashMap<>();
      if (arch == null && quantize) {
        for (Path m : models) {
          inMemory.put(m.toString(), OnnxFiles.read(m));
        }
      }
      if (inMemory.isEmpty()) {
        for (Path m : models) {
          labels.add(m.toString());
          open.add(OrtForward.open(m, ort));
        }
      }
      for (Map.Entry<String, ModelProto> e : inMemory.entrySet()) {
        String label = quantize ? e.getKey() + " FP32" : e.getKey();
        labels.add(label);
        open.add(OrtForward.open(e.getValue(), ort));
        if (quantize) {
          String q = e.getKey() + " INT8";
          labels.add(q);
          open.add(OrtForward.open(quantized(e.getKey(), e.getValue(), int8Settings, ort,
              console), ort));
          pairs.add(new String[] {q, label});
        }
      }
      if (open.size() > 1) {
        console.println("runs of the models are interleaved, so that they share the machine's"
            + " background load alike");
      }
      List<List<LatencyResult>> results = InferenceBenchmark.compare(open, settings);
      for (int m = 0; m < open.size(); m++) {
        console.printf(Locale.ROOT, "%s (input %s)%n", labels.get(m),
            Arrays.toString(open.get(m).inputShape()));
        for (LatencyResult r : results.get(m)) {
          console.println("  " + r.describe());
        }
        all.put(labels.get(m), results.get(m));
      }
    }
    printSpeedups(console, all, pairs);
    console.flush();
  }

  /** The INT8 model of {@code model}, calibrated on synthetic images; prints what fused. */
  private ModelProto quantized(String label, ModelProto model, QuantizationSettings settings,
      OrtSettings ort, PrintWriter console) {
    ActivationShape shape = inputShape(model);
    CalibrationSet calibration = CalibrationSet.synthetic(shape, int8.calibration, int8.seed);
    ModelProto q = Quantizer.quantize(model, calibration, settings, ort).model();
    console.printf(Locale.ROOT, "%s INT8 (%s, %s): %s%n", label, settings.describe(),
        calibration.description(), FusionCheck.verify(q, ort).describe());
    return q;
  }

  /** The C x H x W of a model's image input. */
  private static ActivationShape inputShape(ModelProto model) {
    var dims = model.getGraph().getInput(0).getType().getTensorType().getShape().getDimList();
    if (dims.size() != 4 || !dims.get(1).hasDimValue() || !dims.get(2).hasDimValue()
        || !dims.get(3).hasDimValue()) {
      throw new OnnxException("the model's input " + model.getGraph().getInput(0).getName()
          + " is not [batch, C, H, W] with fixed C, H and W; cannot calibrate it");
    }
    return new ActivationShape((int) dims.get(1).getDimValue(), (int) dims.get(2).getDimValue(),
        (int) dims.get(3).getDimValue());
  }

  /** The sessions opened so far, closed together (a failing close never hides another). */
  private static final class Sessions implements AutoCloseable {
    final List<OrtForward> open = new ArrayList<>();

    @Override
    public void close() {
      RuntimeException failure = null;
      for (OrtForward f : open) {
        try {
          f.close();
        } catch (RuntimeException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
  }

  private Map<String, ModelProto> generated() {
    ActivationShape shape;
    try {
      shape = ActivationShape.parse(input);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(command.commandLine(), e.getMessage());
    }
    NetworkSpec dense = Architectures.build(arch, ArchitectureConfig.of(shape, classes));
    SplitPlan plan = SplitPlan.parse(split, 0);
    if (!(plan instanceof KelsPlan kels)) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--split must be kels:S (only KELS has a slim network), got " + split);
    }
    NetworkSpec slim = kels.slimSpec(dense);
    Map<String, ModelProto> out = new LinkedHashMap<>();
    out.put("dense " + dense.architecture(), randomModel(dense, NetworkKind.DENSE, split));
    out.put("slim " + slim.architecture() + " (" + plan.describe() + ")",
        randomModel(slim, NetworkKind.SLIM, split));
    return out;
  }

  /** An ONNX model of {@code spec} with seeded random weights: cost and speed need no training. */
  static ModelProto randomModel(NetworkSpec spec, NetworkKind network, String split) {
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < spec.classes(); i++) {
      labels.add(Integer.toString(i));
    }
    ModelCard card = ModelCard.builder(labels, spec.input().shape())
        .architecture(spec.architecture()).network(network).split(split)
        .version(Main.version()).extra("weights", "random (benchmark only)").build();
    return OnnxExporter.export(spec, WeightInit.heNormal(spec, 1), card, ExportOptions.defaults());
  }

  /**
   * Each model's median speed-up over the first, and over its own FP32 model for each INT8 one in
   * {@code pairs}, with the CPU's ISA flags (INT8 gains depend on them).
   */
  private static void printSpeedups(PrintWriter console, Map<String, List<LatencyResult>> all,
      List<String[]> pairs) {
    if (all.size() < 2) {
      return;
    }
    List<String> names = new ArrayList<>(all.keySet());
    List<String[]> ratios = new ArrayList<>();
    for (int m = 1; m < names.size(); m++) {
      ratios.add(new String[] {names.get(m), names.get(0)});
    }
    for (String[] p : pairs) {
      if (!p[1].equals(names.get(0))) {
        ratios.add(p);
      }
    }
    if (!pairs.isEmpty()) {
      console.println("speed-ups on " + CpuFeatures.model() + " [" + CpuFeatures.describe() + "]:");
    }
    for (String[] r : ratios) {
      List<LatencyResult> base = all.get(r[1]);
      List<LatencyResult> other = all.get(r[0]);
      for (int i = 0; i < base.size(); i++) {
        LatencyResult b = base.get(i);
        LatencyResult o = other.get(i);
        // the CPU-time ratio (one thread) is what a shared machine's load leaves unchanged
        String cpu = Double.isNaN(b.cpuP50Ms()) ? "" : String.format(Locale.ROOT,
            "; cpu time %.2fx", b.cpuP50Ms() / o.cpuP50Ms());
        console.printf(Locale.ROOT, "speed-up of %s over %s at batch %d: %.2fx (p50 %.3f ms vs"
            + " %.3f ms%s)%n", r[0], r[1], b.batch(), b.p50Ms() / o.p50Ms(), o.p50Ms(), b.p50Ms(),
            cpu);
      }
    }
  }
}
