package io.kebridge.training.report;

import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.InitRecord;
import io.kebridge.training.results.KeResult;
import io.kebridge.training.results.RunResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The human report of a run: {@code report.html} with a per-generation table and three PNG charts
 * drawn with JFreeChart: test accuracy per generation (dense vs slim, baselines as their final
 * accuracy), test accuracy per epoch across the run (KE and baselines), and training loss per
 * epoch. Every file is written atomically.
 */
public final class HtmlReport {
  /** The report's file name inside the run directory. */
  public static final String FILE = "report.html";

  private static final int WIDTH = 720;
  private static final int HEIGHT = 400;

  /** Dark enough to read on white, distinct in grey print. */
  private static final Color[] PALETTE = {
    new Color(0xd6, 0x27, 0x28), new Color(0x1f, 0x77, 0xb4), new Color(0x2c, 0xa0, 0x2c),
    new Color(0xff, 0x7f, 0x0e), new Color(0x94, 0x67, 0xbd), new Color(0x8c, 0x56, 0x4b)
  };

  private HtmlReport() {}

  /** Writes the report of {@code result} into {@code runDir}. */
  public static void write(Path runDir, KeConfig config, KeResult result) {
    write(runDir, config, result, List.of());
  }

  /**
   * Writes the report of {@code result} with extra tables after the training results (what {@code
   * ke demo} adds: costs, latency, parity, environment).
   */
  public static void write(
      Path runDir, KeConfig config, KeResult result, List<ReportSection> sections) {
    // Charts render off-screen; without this AWT may look for a display.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    png(runDir.resolve("accuracy-per-generation.png"), generationChart(result));
    png(runDir.resolve("accuracy-per-epoch.png"), epochAccuracyChart(result));
    png(runDir.resolve("loss-per-epoch.png"), lossChart(result));
    AtomicFiles.writeString(runDir.resolve(FILE), html(config, result, sections));
  }

  private static void png(Path file, JFreeChart chart) {
    AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT));
  }

  private static JFreeChart generationChart(KeResult r) {
    XYSeries dense = new XYSeries("KE dense");
    XYSeries slim = new XYSeries("KE slim");
    InitRecord init = r.ke().init();
    if (init != null) { // generation 0: the starting weights, before training
      dense.add(0, 100 * init.denseAccuracy());
      if (init.slimAccuracy() != null) {
        slim.add(0, 100 * init.slimAccuracy());
      }
    }
    for (GenerationRecord g : r.generations()) {
      dense.add(g.generation(), 100 * g.denseAccuracy());
      if (g.slimAccuracy() != null) {
        slim.add(g.generation(), 100 * g.slimAccuracy());
      }
    }
    XYSeriesCollection data = new XYSeriesCollection(dense);
    if (slim.getItemCount() > 0) {
      data.addSeries(slim);
    }
    int last = Math.max(1, r.generations().size());
    for (Map.Entry<Baseline, RunResult> b : r.baselines().entrySet()) {
      GenerationRecord g = b.getValue().last();
      if (g != null) {
        XYSeries s = new XYSeries(b.getKey().label() + " (same total epochs)");
        s.add(1, 100 * g.denseAccuracy());
        s.add(last, 100 * g.denseAccuracy());
        data.addSeries(s);
      }
    }
    return chart("Test accuracy per generation", "generation", "accuracy (%)", data);
  }

  private static JFreeChart epochAccuracyChart(KeResult r) {
    XYSeriesCollection data = new XYSeriesCollection();
    int whole = wholeSplit(r);
    XYSeries dense = new XYSeries("KE dense");
    XYSeries slim = new XYSeries("KE slim");
    XYSeries denseSubset = new XYSeries("KE dense (test subset)");
    XYSeries slimSubset = new XYSeries("KE slim (test subset)");
    for (EpochMetrics e : r.epochs()) {
      boolean subset = e.evaluated() && e.evaluatedImages() != null
          && e.evaluatedImages() < whole;
      if (e.denseAccuracy() != null) {
        (subset ? denseSubset : dense).add(e.totalEpoch(), 100 * e.denseAccuracy());
      }
      if (e.slimAccuracy() != null) {
        (subset ? slimSubset : slim).add(e.totalEpoch(), 100 * e.slimAccuracy());
      }
    }
    for (XYSeries s : List.of(dense, slim, denseSubset, slimSubset)) {
      if (s.getItemCount() > 0 || s == dense) {
        data.addSeries(s);
      }
    }
    for (Map.Entry<Baseline, RunResult> b : r.baselines().entrySet()) {
      XYSeries s = new XYSeries(b.getKey().label());
      for (EpochMetrics e : b.getValue().epochs()) {
        if (e.denseAccuracy() != null) {
          s.add(e.totalEpoch(), 100 * e.denseAccuracy());
        }
      }
      data.addSeries(s);
    }
    return chart("Test accuracy per epoch", "epoch (across generations)", "accuracy (%)", data);
  }

  private static JFreeChart lossChart(KeResult r) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYSeries ke = new XYSeries("KE");
    for (EpochMetrics e : r.epochs()) {
      ke.add(e.totalEpoch(), e.loss());
    }
    data.addSeries(ke);
    for (Map.Entry<Baseline, RunResult> b : r.baselines().entrySet()) {
      XYSeries s = new XYSeries(b.getKey().label());
      for (EpochMetrics e : b.getValue().epochs()) {
        s.add(e.totalEpoch(), e.loss());
      }
      data.addSeries(s);
    }
    return chart("Training loss per epoch", "epoch (across generations)", "loss", data);
  }

  private static JFreeChart chart(String title, String x, String y, XYSeriesCollection data) {
    JFreeChart chart =
        ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, true, false,
            false);
    chart.setBackgroundPaint(Color.WHITE);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    // Generations and epochs are whole numbers; JFreeChart would otherwise tick at 1.5.
    ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      renderer.setSeriesStroke(i, new BasicStroke(2f));
      renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
    }
    plot.setRenderer(renderer);
    return chart;
  }

  private static String html(KeConfig c, KeResult r, List<ReportSection> sections) {
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>ke-bridge run report</title><style>")
        .append("body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .7em;")
        .append("text-align:right}th{background:#f3f3f3}</style></head><body>\n")
        .append("<h1>Knowledge Evolution run</h1>\n<p>")
        .append(esc(String.format(Locale.ROOT,
            "%s on %s, split %s, %d generations x %d epochs, batch %d, lr %s (%s), seed %d",
            c.architecture(), c.dataset(), c.split(), c.generations(), c.epochs(), c.batchSize(),
            c.learningRate(), c.schedule().name().toLowerCase(Locale.ROOT), c.seed())))
        .append(r.finished() ? "" : " &mdash; <b>unfinished</b>, resume to finish")
        .append(String.format(Locale.ROOT, ". Wall time %.1f s.</p>\n", r.seconds()));
    startingWeights(b, c, r);
    b.append("<table><tr><th>generation</th><th>dense accuracy</th><th>slim accuracy</th>")
        .append("<th>seconds</th><th>KE step (s)</th></tr>\n");
    for (GenerationRecord g : r.generations()) {
      b.append(String.format(Locale.ROOT,
          "<tr><td>%d</td><td>%.2f%%</td><td>%s</td><td>%.1f</td><td>%.3f</td></tr>\n",
          g.generation(), 100 * g.denseAccuracy(),
          g.slimAccuracy() == null ? "&ndash;"
              : String.format(Locale.ROOT, "%.2f%%", 100 * g.slimAccuracy()),
          g.seconds(), g.keStepSeconds()));
    }
    b.append("</table>\n");
    if (!r.baselines().isEmpty()) {
      b.append("<h2>Baselines (same total epochs)</h2>\n<table><tr><th>baseline</th>")
          .append("<th>test accuracy</th><th>seconds</th></tr>\n");
      for (Map.Entry<Baseline, RunResult> e : r.baselines().entrySet()) {
        GenerationRecord g = e.getValue().last();
        b.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%.1f</td></tr>\n",
            e.getKey().label(),
            g == null ? "&ndash;" : String.format(Locale.ROOT, "%.2f%%", 100 * g.denseAccuracy()),
            e.getValue().seconds()));
      }
      b.append("</table>\n");
    }
    evaluations(b, c, r);
    for (ReportSection section : sections) {
      b.append("<h2>").append(esc(section.title())).append("</h2>\n<table><tr>");
      for (String h : section.headers()) {
        b.append("<th>").append(esc(h)).append("</th>");
      }
      b.append("</tr>\n");
      for (List<String> row : section.rows()) {
        b.append("<tr>");
        for (String cell : row) {
          b.append("<td>").append(esc(cell)).append("</td>");
        }
        b.append("</tr>\n");
      }
      b.append("</table>\n");
      if (section.note() != null) {
        b.append("<p>").append(esc(section.note())).append("</p>\n");
      }
    }
    b.append("<h2>Charts</h2>\n")
        .append("<p><img src=\"accuracy-per-generation.png\" alt=\"accuracy per generation\"></p>\n")
        .append("<p><img src=\"accuracy-per-epoch.png\" alt=\"accuracy per epoch\"></p>\n")
        .append("<p><img src=\"loss-per-epoch.png\" alt=\"loss per epoch\"></p>\n")
        .append("<p>Files: <code>metrics.jsonl</code> (one line per epoch and generation), ")
        .append("<code>generations/gen-NNN/</code> (weights and masks), <code>config.json</code>.")
        .append("</p>\n</body></html>\n");
    return b.toString();
  }

  /**
   * Where generation 1's weights came from ({@code --init-from}): the file by name and SHA-256,
   * what was loaded and what starts fresh, and the starting weights' accuracy before training.
   */
  private static void startingWeights(StringBuilder b, KeConfig c, KeResult r) {
    if (c.initFrom() == null) {
      return;
    }
    b.append("<h2>Starting weights</h2>\n<table>\n");
    row(b, "from", c.initFrom().path()
        + (c.initFrom().generation() > 0 ? ", generation " + c.initFrom().generation() : ""));
    row(b, "weights file", String.valueOf(c.initFrom().file()));
    row(b, "sha256", String.valueOf(c.initFrom().sha256()));
    row(b, "network", c.architecture().equals(KeConfig.SOURCE_ARCHITECTURE)
        ? "the source's own, re-targeted to the data" : c.architecture() + " (built-in)");
    InitRecord init = r.ke().init();
    if (init != null) {
      row(b, "tensors loaded", init.loaded() + " of " + init.tensors());
      row(b, "fresh", init.fresh().isEmpty() ? "none" : String.join("; ", init.fresh()));
      row(b, "network input", init.input() + (init.resizedImages()
          ? " (the data's images are converted to it: resized, grey repeated)" : " (the data's own size)"));
      row(b, "accuracy before training", String.format(Locale.ROOT, "dense %.2f%%%s on %,d test"
          + " images", 100 * init.denseAccuracy(), init.slimAccuracy() == null ? ""
              : String.format(Locale.ROOT, ", slim %.2f%%", 100 * init.slimAccuracy()),
          init.images()));
    }
    b.append("</table>\n");
  }

  private static void row(StringBuilder b, String name, String value) {
    b.append("<tr><th style=\"text-align:left\">").append(esc(name)).append("</th><td style=")
        .append("\"text-align:left\">").append(esc(value)).append("</td></tr>\n");
  }

  /** The largest number of images any evaluation used: the whole test split. */
  private static int wholeSplit(KeResult r) {
    int most = 0;
    for (EpochMetrics e : r.epochs()) {
      if (e.evaluatedImages() != null) {
        most = Math.max(most, e.evaluatedImages());
      }
    }
    return most;
  }

  /** What was evaluated when: the policy in words, then one row per evaluation. */
  private static void evaluations(StringBuilder b, KeConfig c, KeResult r) {
    int whole = wholeSplit(r);
    b.append("<h2>Evaluations</h2>\n<p>")
        .append(esc(String.format(Locale.ROOT,
            "Every generation ends with an evaluation on the whole test split (%,d images)", whole)));
    if (c.evalEvery() > 0) {
      b.append(esc(String.format(Locale.ROOT, "; every %d epoch%s in between on %s", c.evalEvery(),
          c.evalEvery() == 1 ? "" : "s",
          c.evalSubset() > 0 && c.evalSubset() < whole
              ? String.format(Locale.ROOT, "a fixed seeded sample of %,d test images",
                  c.evalSubset())
              : "the whole test split")));
    } else {
      b.append("; no evaluations in between (<code>--eval-every</code> adds them)");
    }
    b.append(".</p>\n<table><tr><th>run</th><th>generation</th><th>epoch</th>")
        .append("<th>epoch (across run)</th><th>test images</th><th>dense</th><th>slim</th>")
        .append("<th>evaluation (s)</th></tr>\n");
    evaluationRows(b, "ke", r.epochs());
    for (Map.Entry<Baseline, RunResult> e : r.baselines().entrySet()) {
      evaluationRows(b, e.getKey().label(), e.getValue().epochs());
    }
    b.append("</table>\n");
  }

  private static void evaluationRows(StringBuilder b, String run, List<EpochMetrics> epochs) {
    for (EpochMetrics e : epochs) {
      if (!e.evaluated()) {
        continue;
      }
      b.append(String.format(Locale.ROOT,
          "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td><td>%.2f%%</td><td>%s</td>"
              + "<td>%.2f</td></tr>\n",
          esc(run), e.generation(), e.epoch(), e.totalEpoch(),
          e.evaluatedImages() == null ? "&ndash;"
              : String.format(Locale.ROOT, "%,d", e.evaluatedImages()),
          100 * e.denseAccuracy(),
          e.slimAccuracy() == null ? "&ndash;"
              : String.format(Locale.ROOT, "%.2f%%", 100 * e.slimAccuracy()),
          e.evalSeconds()));
    }
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
