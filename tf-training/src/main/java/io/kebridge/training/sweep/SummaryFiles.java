package io.kebridge.training.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.training.TrainingException;
import io.kebridge.training.ke.KeConfig;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * Writes a sweep's summary three ways into the sweep directory, each atomically: {@code
 * summary.json} (the {@link SweepSummary} record), {@code summary.md} (the tables and sentences,
 * for a README or a pull request) and {@code report.html} (the same with one chart per split,
 * the evaluation policy, and links to every run's own report).
 */
public final class SummaryFiles {
  /** File names in the sweep directory. */
  public static final String JSON_FILE = "summary.json";

  public static final String MARKDOWN_FILE = "summary.md";
  public static final String HTML_FILE = "report.html";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SummaryFiles() {}

  /** Writes the three files; returns the Markdown. */
  public static String write(Path sweepDir, SweepPlan plan, SweepSummary summary) {
    String md = markdown(plan, summary);
    try {
      AtomicFiles.writeString(sweepDir.resolve(JSON_FILE), JSON.writeValueAsString(summary));
    } catch (IOException e) {
      throw new TrainingException("cannot encode the sweep summary: " + e.getMessage(), e);
    }
    AtomicFiles.writeString(sweepDir.resolve(MARKDOWN_FILE), md);
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    List<String> charts = new ArrayList<>();
    for (int i = 0; i < summary.splits().size(); i++) {
      SweepSummary.SplitSummary s = summary.splits().get(i);
      if (s.generations().isEmpty()) {
        continue;
      }
      String name = String.format(Locale.ROOT, "accuracy-split-%d.png", i + 1);
      JFreeChart chart = chart(s);
      AtomicFiles.write(sweepDir.resolve(name),
          out -> ChartUtils.writeChartAsPNG(out, chart, 720, 400));
      charts.add(name);
    }
    AtomicFiles.writeString(sweepDir.resolve(HTML_FILE), html(sweepDir, plan, summary, charts));
    return md;
  }

  /** The summary as Markdown: one table per split, the differences in words, the runs. */
  public static String markdown(SweepPlan plan, SweepSummary s) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "# Sweep summary%n%n%d of %d runs finished; seeds %s; "
        + "accuracy in percent, mean ± sd [95%% interval] over seeds.%n", s.finished(),
        s.planned(), plan.seeds()));
    b.append(policy(plan)).append('\n');
    for (SweepSummary.SplitSummary split : s.splits()) {
      b.append(String.format(Locale.ROOT, "%n## Split %s%n%n", split.split()));
      b.append("| | seeds | dense accuracy | slim accuracy |\n| --- | --- | --- | --- |\n");
      for (SweepSummary.GenerationLine g : split.generations()) {
        b.append(String.format(Locale.ROOT, "| KE generation %d | %d | %s | %s |%n",
            g.generation(), g.dense().n(), g.dense().percent(),
            g.slim() == null ? "-" : g.slim().percent()));
      }
      for (Map.Entry<String, Spread> c : split.controls().entrySet()) {
        b.append(String.format(Locale.ROOT, "| control %s | %d | %s | - |%n", c.getKey(),
            c.getValue().n(), c.getValue().percent()));
      }
      if (split.generations().isEmpty() && split.controls().isEmpty()) {
        b.append("| no finished runs yet | 0 | - | - |\n");
      }
      if (!split.differences().isEmpty()) {
        b.append('\n');
        for (SweepSummary.Difference d : split.differences()) {
          b.append("- ").append(d.sentence()).append('\n');
        }
      }
    }
    b.append("\n## Runs\n\n| run | kind | seed | split | status | dense | slim | evaluations |"
        + " seconds |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (SweepSummary.RunLine r : s.runs()) {
      b.append(String.format(Locale.ROOT, "| %03d | %s | %d | %s | %s | %s | %s | %s | %.1f |%n",
          r.index(), r.run(), r.seed(), r.split() == null ? "-" : r.split(), r.status(),
          pct(r.dense()), pct(r.slim()), evaluations(r), r.seconds()));
    }
    return b.toString();
  }

  private static String evaluations(SweepSummary.RunLine r) {
    if (r.evaluations() == 0) {
      return "-";
    }
    int subset = r.evaluations() - r.wholeSplitEvaluations();
    return String.format(Locale.ROOT, "%d whole%s (%.1f s)", r.wholeSplitEvaluations(),
        subset > 0 ? String.format(Locale.ROOT, " + %d subset", subset) : "",
        r.evaluationSeconds());
  }

  /** The evaluation policy of the plan's runs, in words. */
  static String policy(SweepPlan plan) {
    if (plan.rows().isEmpty()) {
      return "";
    }
    KeConfig c = plan.rows().get(0).config();
    String between = c.evalEvery() == 0
        ? "nothing in between"
        : String.format(Locale.ROOT, "every %d epoch%s in between on %s", c.evalEvery(),
            c.evalEvery() == 1 ? "" : "s",
            c.evalSubset() == 0 ? "the whole test split"
                : String.format(Locale.ROOT, "a fixed sample of %,d test images", c.evalSubset()));
    return String.format(Locale.ROOT, "Evaluation: every generation ends with the whole test "
        + "split; %s.%n", between);
  }

  private static String pct(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.2f", 100 * v);
  }

  private static JFreeChart chart(SweepSummary.SplitSummary s) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    YIntervalSeries dense = new YIntervalSeries("KE dense (mean, 95% interval)");
    YIntervalSeries slim = new YIntervalSeries("KE slim (mean, 95% interval)");
    int last = 1;
    for (SweepSummary.GenerationLine g : s.generations()) {
      add(dense, g.generation(), g.dense());
      if (g.slim() != null) {
        add(slim, g.generation(), g.slim());
      }
      last = Math.max(last, g.generation());
    }
    data.addSeries(dense);
    if (slim.getItemCount() > 0) {
      data.addSeries(slim);
    }
    for (Map.Entry<String, Spread> c : s.controls().entrySet()) {
      YIntervalSeries series = new YIntervalSeries("control " + c.getKey());
      add(series, 1, c.getValue());
      add(series, last, c.getValue());
      data.addSeries(series);
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Split " + s.split()
        + ": test accuracy over seeds", "generation", "accuracy (%)", data,
        PlotOrientation.VERTICAL, true, false, false);
    chart.setBackgroundPaint(Color.WHITE);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    DeviationRenderer r = new DeviationRenderer(true, true);
    Color[] palette = {new Color(0xd6, 0x27, 0x28), new Color(0x1f, 0x77, 0xb4),
        new Color(0x2c, 0xa0, 0x2c), new Color(0xff, 0x7f, 0x0e)};
    for (int i = 0; i < data.getSeriesCount(); i++) {
      r.setSeriesPaint(i, palette[i % palette.length]);
      r.setSeriesFillPaint(i, palette[i % palette.length]);
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    r.setAlpha(0.15f);
    plot.setRenderer(r);
    return chart;
  }

  private static void add(YIntervalSeries series, int x, Spread s) {
    double low = s.low() == null ? s.mean() : s.low();
    double high = s.high() == null ? s.mean() : s.high();
    series.add(x, 100 * s.mean(), 100 * low, 100 * high);
  }

  private static String html(Path dir, SweepPlan plan, SweepSummary s, List<String> charts) {
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>ke-bridge sweep report</title><style>")
        .append("body{font-family:sans-serif;max-width:62em;margin:2em auto;color:#222}")
        .append("table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;")
        .append("padding:.3em .7em;text-align:right}th{background:#f3f3f3}</style></head><body>\n")
        .append("<h1>Knowledge Evolution sweep</h1>\n<p>")
        .append(esc(String.format(Locale.ROOT, "%d of %d runs finished; seeds %s; splits %s; "
            + "controls %s. Accuracy in percent: mean ± sample standard deviation [95%% interval "
            + "of the mean, Student's t] over seeds.", s.finished(), s.planned(), plan.seeds(),
            plan.splits(), plan.baselines().isEmpty() ? "none"
                : plan.baselines().stream().map(x -> x.label()).toList())))
        .append("</p>\n<p>").append(esc(policy(plan).trim())).append(" The runs' own reports "
            + "list every evaluation with the number of images it used.</p>\n");
    int chart = 0;
    for (SweepSummary.SplitSummary split : s.splits()) {
      b.append("<h2>Split ").append(esc(split.split())).append("</h2>\n<table><tr><th></th>")
          .append("<th>seeds</th><th>dense accuracy</th><th>slim accuracy</th></tr>\n");
      for (SweepSummary.GenerationLine g : split.generations()) {
        b.append(String.format(Locale.ROOT,
            "<tr><td>KE generation %d</td><td>%d</td><td>%s</td><td>%s</td></tr>\n",
            g.generation(), g.dense().n(), esc(g.dense().percent()),
            g.slim() == null ? "&ndash;" : esc(g.slim().percent())));
      }
      for (Map.Entry<String, Spread> c : split.controls().entrySet()) {
        b.append(String.format(Locale.ROOT,
            "<tr><td>control %s</td><td>%d</td><td>%s</td><td>&ndash;</td></tr>\n",
            esc(c.getKey()), c.getValue().n(), esc(c.getValue().percent())));
      }
      b.append("</table>\n");
      if (!split.differences().isEmpty()) {
        b.append("<ul>\n");
        for (SweepSummary.Difference d : split.differences()) {
          b.append("<li>").append(esc(d.sentence())).append("</li>\n");
        }
        b.append("</ul>\n");
      }
      if (!split.generations().isEmpty() && chart < charts.size()) {
        b.append("<p><img src=\"").append(charts.get(chart++))
            .append("\" alt=\"accuracy per generation\"></p>\n");
      }
    }
    b.append("<h2>Runs</h2>\n<table><tr><th>run</th><th>kind</th><th>seed</th><th>split</th>")
        .append("<th>status</th><th>dense</th><th>slim</th><th>evaluations</th>")
        .append("<th>seconds</th></tr>\n");
    for (SweepSummary.RunLine r : s.runs()) {
      boolean report = Files.isRegularFile(dir.resolve(r.folder()).resolve("report.html"));
      String name = String.format(Locale.ROOT, "%03d", r.index());
      b.append(String.format(Locale.ROOT,
          "<tr><td>%s</td><td>%s</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
              + "<td>%s</td><td>%.1f</td></tr>\n",
          report ? "<a href=\"" + r.folder() + "/report.html\">" + name + "</a>" : name,
          esc(r.run()), r.seed(), r.split() == null ? "&ndash;" : esc(r.split()),
          esc(r.status()), pct(r.dense()), pct(r.slim()), esc(evaluations(r)), r.seconds()));
    }
    b.append("</table>\n<p>Files: <code>plan.json</code> (every run's config), ")
        .append("<code>summary.json</code>, <code>summary.md</code>, <code>runs/NNN/</code>.")
        .append("</p>\n</body></html>\n");
    return b.toString();
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
