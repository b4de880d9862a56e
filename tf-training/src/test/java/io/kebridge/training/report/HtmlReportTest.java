package io.kebridge.training.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.KeResult;
import io.kebridge.training.results.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {

  static EpochMetrics epoch(int g, int e, double dense, Double slim) {
    return epoch(g, e, dense, slim, 2000);
  }

  static EpochMetrics epoch(int g, int e, Double dense, Double slim, Integer images) {
    return new EpochMetrics(g, e, (g - 1) * 2 + e, 1.0 / e, 0.5, dense, slim,
        dense == null ? null : images, 0.1, 1000, dense == null ? 0 : 0.25, 1);
  }

  static GenerationRecord gen(int g, double dense, Double slim) {
    return new GenerationRecord(g, "kels:0.5", dense, slim, 3, 0.05, "w" + g, "m" + g);
  }

  @Test
  void reportListsEveryGenerationAndBaselineAndDrawsThreeCharts(@TempDir Path dir)
      throws Exception {
    KeResult ke =
        new KeResult(
            new RunResult(dir, List.of(gen(1, 0.81, 0.12), gen(2, 0.835, 0.4567)),
                List.of(epoch(1, 1, 0.7, 0.1), epoch(1, 2, 0.81, 0.12), epoch(2, 1, 0.8, 0.3),
                    epoch(2, 2, 0.835, 0.4567)),
                true, 7.5),
            Map.of(Baseline.LONG,
                new RunResult(dir.resolve("baselines/long"), List.of(gen(1, 0.8, null)),
                    List.of(epoch(1, 1, 0.6, null), epoch(1, 2, 0.8, null)), true, 6)));
    HtmlReport.write(dir, KeConfig.builder().build(), ke);
    String html = Files.readString(dir.resolve(HtmlReport.FILE));
    assertTrue(html.contains("<td>2</td><td>83.50%</td><td>45.67%</td>"), html);
    assertTrue(html.contains("<td>long</td><td>80.00%</td>"), html);
    for (String png : new String[] {"accuracy-per-generation.png", "accuracy-per-epoch.png",
        "loss-per-epoch.png"}) {
      assertTrue(html.contains("src=\"" + png + "\""), png);
      byte[] head = Files.readAllBytes(dir.resolve(png));
      assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', png);
    }
  }

  @Test
  void reportSaysWhatWasEvaluatedWhen(@TempDir Path dir) throws Exception {
    KeResult ke = new KeResult(
        new RunResult(dir, List.of(gen(1, 0.81, 0.12)),
            List.of(epoch(1, 1, 0.7, 0.1, 300), epoch(1, 2, null, null, null),
                epoch(1, 3, 0.72, 0.11, 300), epoch(1, 4, 0.81, 0.12, 2000)),
            false, 4),
        Map.of());
    KeConfig c = KeConfig.builder().evalEvery(1).evalSubset(300).build();
    HtmlReport.write(dir, c, ke);
    String html = Files.readString(dir.resolve(HtmlReport.FILE));
    assertTrue(html.contains("whole test split (2,000 images); every 1 epoch in between on a "
        + "fixed seeded sample of 300 test images"), html);
    assertTrue(html.contains("<td>ke</td><td>1</td><td>1</td><td>1</td><td>300</td>"
        + "<td>70.00%</td><td>10.00%</td><td>0.25</td>"), html);
    assertTrue(html.contains("<td>ke</td><td>1</td><td>4</td><td>4</td><td>2,000</td>"), html);
    assertTrue(!html.contains("<td>ke</td><td>1</td><td>2</td>"), "epoch 2 was not evaluated");
    assertTrue(html.contains("<b>unfinished</b>"), html);
  }

  @Test
  void extraSectionsAppearAsEscapedTables(@TempDir Path dir) throws Exception {
    KeResult ke = new KeResult(
        new RunResult(dir, List.of(gen(1, 0.5, 0.25)), List.of(epoch(1, 1, 0.5, 0.25)), true, 1),
        Map.of());
    ReportSection cost = new ReportSection("Dense vs slim", List.of("network", "Ops"),
        List.of(List.of("dense", "3,632,418,204"), List.of("slim <kels:0.5>", "968,435,356")),
        "Ops follow the KE paper.");
    HtmlReport.write(dir, KeConfig.builder().build(), ke, List.of(cost));
    String html = Files.readString(dir.resolve(HtmlReport.FILE));
    assertTrue(html.contains("<h2>Dense vs slim</h2>"), html);
    assertTrue(html.contains("<td>slim &lt;kels:0.5&gt;</td><td>968,435,356</td>"), html);
    assertTrue(html.contains("<p>Ops follow the KE paper.</p>"), html);
  }
}
