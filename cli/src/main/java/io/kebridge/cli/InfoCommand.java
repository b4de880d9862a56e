package io.kebridge.cli;

import io.kebridge.models.ModelException;
import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.SourceFile;
import io.kebridge.models.cost.CostCounter;
import io.kebridge.models.cost.CostReport;
import io.kebridge.models.cost.LayerCost;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.spec.SpecJson;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.Mask;
import io.kebridge.models.split.MaskFiles;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.prune.cost.CostComparison;
import io.kebridge.prune.cut.SlimPruner;
import io.kebridge.prune.store.SlimFolder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ke info}: the layers of a network with shapes and costs, dense beside slim. */
@Command(
    name = "info",
    header = "Show a network's layers, shapes, parameters, MACs and Ops, dense and slim.",
    mixinStandardHelpOptions = true,
    description = {
      "Show a network's layers, output shapes, parameters, MACs and Ops (the KE paper's count),",
      "dense beside the KELS slim network, with totals and the reduction in percent. On a run",
      "folder the split comes from its card.json; on a slim folder written by 'ke prune' the",
      "table is its cost report, with measured latency when a benchmark added it. The 'fit'",
      "column counts each layer's fit-hypothesis weights under the split; --masks writes the",
      "split's masks for inspection in PyTorch or NumPy."
    })
public final class InfoCommand implements Runnable {

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "SPEC",
      description = "A spec.json file or a folder holding one (a run or slim folder).")
  Path specPath;

  @Option(names = "--arch", defaultValue = "resnet18",
      description = "Architecture: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
      completionCandidates = ArchNames.class)
  String arch;

  @Option(names = "--input", defaultValue = "3x224x224", paramLabel = "CxHxW",
      description = "Input shape (default: ${DEFAULT-VALUE}).")
  String input;

  @Option(names = "--classes", defaultValue = "1000", description = "Classes (default: ${DEFAULT-VALUE}).")
  int classes;

  @Option(names = "--width", defaultValue = "0",
      description = "Base width: channels of the first stage (ResNet, VGG, small-cnn), the growth"
          + " rate (DenseNet), the stem's channels (MobileNetV2: width/32 is the multiplier);"
          + " 0 = the architecture's default.")
  int width;

  @Option(names = "--stem", defaultValue = "auto",
      description = "Stem of ResNets, DenseNets and MobileNetV2: auto (cifar below 64 pixels),"
          + " imagenet (7x7/2 conv + max-pool) or cifar (3x3/1 conv).")
  String stem;

  @Option(names = "--split",
      description = "KE split; the slim column needs kels:S (default: the split in the folder's"
          + " card.json, else " + DEFAULT_SPLIT + ").")
  String split;

  static final String DEFAULT_SPLIT = "kels:0.5";

  @Option(names = "--masks", paramLabel = "FILE.safetensors",
      description = "Also write the split's masks: one float32 tensor of 0 (reset) and 1 (fit) per"
          + " conv and dense weight, named and shaped as the weight in PyTorch's layout.")
  Path masksFile;

  @Option(names = "--seed", defaultValue = "0",
      description = "Seed that draws a wels:S split (default: ${DEFAULT-VALUE}).")
  long seed;

  @Spec picocli.CommandLine.Model.CommandSpec command;

  /** Completion candidates for --arch. */
  static final class ArchNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Architectures.NAMES.iterator();
    }
  }

  @Override
  public void run() {
    PrintWriter out = command.commandLine().getOut();
    Path folder = specPath != null && Files.isDirectory(specPath) ? specPath : null;
    if (folder != null && split == null && Files.isRegularFile(folder.resolve(SlimFolder.COST_JSON))) {
      // a slim folder from ke prune: its spec is the slim one, the dense side is in the report
      printSlimFolder(out, RunDirectory.open(folder), CostComparison.read(
          folder.resolve(SlimFolder.COST_JSON)));
      return;
    }
    NetworkSpec dense = specPath != null ? readSpec(specPath) : build();
    String chosen = split;
    if (chosen == null && folder != null && Files.isRegularFile(folder.resolve("card.json"))) {
      chosen = RunDirectory.open(folder).card().split();
      out.printf(Locale.ROOT, "split %s from %s%n", chosen, folder.resolve("card.json"));
    }
    SplitPlan plan = SplitPlan.parse(chosen == null ? DEFAULT_SPLIT : chosen, seed);
    Map<String, Mask> masks = plan.masks(dense);
    print(out, dense, plan, masks);
    if (masksFile != null) {
      MaskFiles.write(masksFile, masks, Map.of("split", plan.describe(),
          "architecture", dense.architecture(), "layout", "pytorch (out, in, kh, kw)"));
      long fit = masks.values().stream().mapToLong(Mask::fitCount).sum();
      long all = masks.values().stream().mapToLong(Mask::size).sum();
      out.printf(Locale.ROOT, "wrote %d masks of %s (%,d of %,d weights fit) to %s%n",
          masks.size(), plan.describe(), fit, all, masksFile);
      out.flush();
    }
  }

  /** The width of the layer-name column: the longest name (DenseNet's run to 40 characters). */
  private static int longest(CostReport d) {
    return Math.max(26, d.layers().stream().mapToInt(l -> l.layer().length()).max().orElse(0));
  }

  private static void printSlimFolder(PrintWriter out, RunDirectory dir, CostComparison cost) {
    ModelCard card = dir.card();
    out.printf(Locale.ROOT, "slim network of %s (%s, generation %d%s), from %s%n",
        card.architecture(), card.split(), card.generation(),
        card.accuracy() == null ? "" : String.format(Locale.ROOT, ", accuracy %.4f",
            card.accuracy()),
        card.source(CardKey.PRUNED_FROM).map(SourceFile::describe)
            .orElse(card.get(CardKey.PRUNED_FROM).orElse("an unknown run")));
    table(out, cost.dense(), cost.slim(), Map.of());
    if (cost.latency() != null) {
      out.printf(Locale.ROOT, "%-15s dense %.3f ms, slim %.3f ms (median, %s, batch %d): %.2fx"
              + " faster%n", "latency", cost.latency().denseMedianMs(),
          cost.latency().slimMedianMs(), cost.latency().runtime(), cost.latency().batch(),
          cost.latency().speedup());
    } else {
      out.printf(Locale.ROOT, "%-15s not measured%n", "latency");
    }
    out.flush();
  }

  private NetworkSpec build() {
    ArchitectureConfig config;
    try {
      config = new ArchitectureConfig(
          ActivationShape.parse(input), classes, width, ArchitectureConfig.Stem.parse(stem));
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(command.commandLine(), e.getMessage());
    }
    return Architectures.build(arch, config);
  }

  static NetworkSpec readSpec(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve("spec.json") : path;
    if (!Files.exists(file)) {
      throw new ModelException(
          Files.isDirectory(path) ? path + " holds no spec.json" : path + " does not exist");
    }
    return SpecJson.read(file);
  }

  /**
   * Prints the dense (and, for KELS, slim) cost table of {@code dense}; the slim network is the one
   * the pruner cuts out.
   */
  static void print(PrintWriter out, NetworkSpec dense, SplitPlan plan, Map<String, Mask> masks) {
    CostReport d = CostCounter.count(dense);
    CostReport s = plan instanceof KelsPlan k && k.hasSlimNetwork(dense)
        ? CostCounter.count(SlimPruner.plan(dense, k).slimSpec())
        : null;
    String noSlim = plan instanceof KelsPlan k && s == null
        ? " (no slim network: " + k.channels(dense).slimProblem().orElse("") + ")"
        : " (split " + plan.describe() + " has no slim network)";
    out.printf(Locale.ROOT, "%s, input %s, %d classes%s%n", dense.architecture(),
        dense.input().shape(), dense.classes(),
        s == null ? noSlim : ", slim = " + plan.describe());
    Map<String, Long> fit = new HashMap<>();
    for (ParamSpec p : dense.params()) {
      Mask m = masks.get(p.name());
      if (m != null) {
        fit.merge(p.layer(), m.fitCount(), Long::sum);
      }
    }
    table(out, d, s, fit);
  }

  private static void table(PrintWriter out, CostReport d, CostReport s, Map<String, Long> fit) {
    String width = longest(d) + "";
    String head = s == null
        ? String.format(Locale.ROOT, "%-" + width + "s %-16s %-13s %13s %13s %16s %16s", "layer",
            "type", "output", "params", "fit", "MACs", "Ops")
        : String.format(Locale.ROOT,
            "%-" + width + "s %-16s %-13s %13s %13s %16s %16s   %-13s %12s %15s %15s",
            "layer", "type", "output", "params", "fit", "MACs", "Ops", "slim output",
            "slim params", "slim MACs", "slim Ops");
    out.println(head);
    out.println("-".repeat(head.length()));
    for (LayerCost l : d.layers()) {
      String f = fit.containsKey(l.layer()) ? String.format(Locale.ROOT, "%,d", fit.get(l.layer()))
          : "";
      if (s == null) {
        out.printf(Locale.ROOT, "%-" + width + "s %-16s %-13s %,13d %13s %,16d %,16d%n",
            l.layer(), l.type(), l.output(), l.params(), f, l.macs(), l.ops());
      } else {
        LayerCost sl = s.layer(l.layer());
        out.printf(Locale.ROOT,
            "%-" + width + "s %-16s %-13s %,13d %13s %,16d %,16d   %-13s %,12d %,15d %,15d%n",
            l.layer(), l.type(), l.output(), l.params(), f, l.macs(), l.ops(), sl.output(),
            sl.params(), sl.macs(), sl.ops());
      }
    }
    out.println("-".repeat(head.length()));
    out.printf(Locale.ROOT, "%-15s %,16d params  %,20d MACs  %,20d Ops%n", "dense total",
        d.params(), d.macs(), d.ops());
    if (s != null) {
      out.printf(Locale.ROOT, "%-15s %,16d params  %,20d MACs  %,20d Ops%n", "slim total",
          s.params(), s.macs(), s.ops());
      out.printf(Locale.ROOT, "%-15s %15.1f%% params  %19.1f%% MACs  %19.1f%% Ops%n", "reduction",
          CostReport.reductionPercent(d.params(), s.params()),
          CostReport.reductionPercent(d.macs(), s.macs()),
          CostReport.reductionPercent(d.ops(), s.ops()));
    }
    out.flush();
  }
}
