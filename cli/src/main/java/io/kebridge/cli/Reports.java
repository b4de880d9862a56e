package io.kebridge.cli;

import io.kebridge.models.card.CardKey;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.prune.cost.CostComparison;
import io.kebridge.training.report.ReportSection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds the report sections that the CLI adds to a run's report: cost, parity, environment. */
final class Reports {
  private Reports() {}

  /** The {@code metadata_props} of an ONNX file. */
  static Map<String, String> metadata(Path onnx) {
    return OnnxFiles.metadata(OnnxFiles.read(onnx));
  }

  /** Dense vs slim: accuracy, parameters, MACs, Ops and measured latency. */
  static ReportSection costSection(CostComparison c, Double denseAccuracy, Double slimAccuracy) {
    List<List<String>> rows = new ArrayList<>();
    boolean measured = c.latency() != null;
    rows.add(List.of("dense", TrainProgress.pct(denseAccuracy), fmt(c.dense().params()), fmt(c.dense().macs()),
        fmt(c.dense().ops()),
        measured ? String.format(Locale.ROOT, "%.3f ms", c.latency().denseMedianMs()) : "-"));
    rows.add(List.of("slim " + c.split(), TrainProgress.pct(slimAccuracy), fmt(c.slim().params()),
        fmt(c.slim().macs()), fmt(c.slim().ops()),
        measured ? String.format(Locale.ROOT, "%.3f ms", c.latency().slimMedianMs()) : "-"));
    rows.add(List.of("reduction", "",
        String.format(Locale.ROOT, "%.1f%%", c.paramsReductionPercent()),
        String.format(Locale.ROOT, "%.1f%%", c.macsReductionPercent()),
        String.format(Locale.ROOT, "%.1f%%", c.opsReductionPercent()),
        measured ? String.format(Locale.ROOT, "%.2fx faster", c.latency().speedup()) : "-"));
    return new ReportSection("Dense vs slim network",
        List.of("network", "test accuracy", "params", "MACs", "Ops", "latency p50"), rows,
        measured
            ? "Latency: median of interleaved ONNX Runtime runs at batch " + c.latency().batch()
                + " on this machine. Ops follow the KE paper's convention."
            : "Ops follow the KE paper's convention; latency not measured.");
  }

  /** The parity figures each export stored in its ONNX metadata. */
  static ReportSection paritySection(Map<String, Map<String, String>> modelsMetadata) {
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> e : modelsMetadata.entrySet()) {
      Map<String, String> m = e.getValue();
      String p = CardKey.PARITY.metadataKey();
      rows.add(List.of(e.getKey(), m.getOrDefault(p + "reference", "not checked"),
          m.getOrDefault(p + "images", "-"), m.getOrDefault(p + "max_abs_diff", "-"),
          m.getOrDefault(p + "max_rel_diff", "-"), m.getOrDefault(p + "top1_agreement", "-"),
          m.getOrDefault(p + "passed", "-")));
    }
    return new ReportSection("ONNX export parity",
        List.of("model", "reference", "images", "max abs diff", "max rel diff", "top-1 agree",
            "passed"), rows,
        "Logits of real test images through TensorFlow and through ONNX Runtime; an export fails "
            + "above a relative difference of 1e-4 or on any top-1 disagreement.");
  }

  /** The machine and software the figures come from. */
  static ReportSection environmentSection() {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("CPU", CpuFeatures.model()));
    rows.add(List.of("cores available to the JVM",
        Integer.toString(Runtime.getRuntime().availableProcessors())));
    rows.add(List.of("max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB"));
    rows.add(List.of("OS", System.getProperty("os.name") + " " + System.getProperty("os.version")
        + " " + System.getProperty("os.arch")));
    rows.add(List.of("Java", System.getProperty("java.vm.name") + " "
        + System.getProperty("java.runtime.version")));
    rows.add(List.of("TensorFlow", "TensorFlow Java 1.1.0, runtime "
        + org.tensorflow.TensorFlow.version()));
    rows.add(List.of("ONNX Runtime", ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion()));
    rows.add(List.of("ke-bridge", Main.version()));
    return new ReportSection("Environment", List.of("what", "value"), rows, null);
  }

  private static String fmt(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }
}
