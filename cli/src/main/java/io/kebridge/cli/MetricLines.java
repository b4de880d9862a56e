package io.kebridge.cli;

import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.KeResult;
import io.kebridge.training.results.RunResult;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code name=value} lines a run ends with, one metric a line: the final test accuracies,
 * which scripts grep and Katib's stdout metrics collector reads (its default format is {@code
 * name=value}). Names: {@code dense_accuracy} and {@code slim_accuracy} of KE's last generation,
 * {@code long_accuracy} and {@code slim_scratch_accuracy} of the control runs.
 */
final class MetricLines {
  /** Metric names Katib may be told to collect. */
  static final String DENSE = "dense_accuracy";

  static final String SLIM = "slim_accuracy";

  private MetricLines() {}

  /** The metric name of a control run's accuracy: {@code long_accuracy}. */
  static String of(Baseline b) {
    return b.label().replace('-', '_') + "_accuracy";
  }

  static void print(PrintWriter out, KeResult r) {
    printKe(out, r.ke());
    for (Map.Entry<Baseline, RunResult> b : r.baselines().entrySet()) {
      printBaseline(out, b.getKey(), b.getValue());
    }
    out.flush();
  }

  static void printKe(PrintWriter out, RunResult ke) {
    GenerationRecord g = ke.last();
    if (g != null) {
      line(out, DENSE, g.denseAccuracy());
      if (g.slimAccuracy() != null) {
        line(out, SLIM, g.slimAccuracy());
      }
    }
  }

  static void printBaseline(PrintWriter out, Baseline b, RunResult r) {
    if (r.last() != null) {
      line(out, of(b), r.last().denseAccuracy());
    }
  }

  private static void line(PrintWriter out, String name, double value) {
    out.printf(Locale.ROOT, "%s=%.6f%n", name, value);
  }
}
