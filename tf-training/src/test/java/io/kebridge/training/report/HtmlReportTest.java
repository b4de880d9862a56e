package io.kebridge.training.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.training.ke.Baseline;
import io.kebridge.training.ke.EpochMetrics;
import io.kebridge.training.ke.GenerationResult;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.ke.KeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {

  static EpochMetrics epoch(int g, int e, double dense, Double slim) {
    return new EpochMetrics(g, e, (g - 1) * 2 + e, 1.0 / e, 0.5, dense, slim, 0.1, 1000, 1);
  }

  @Test
  void reportListsEveryGenerationAndBaselineAndDrawsThreeCharts(@TempDir Path dir)
      throws Exception {
    KeResult ke =
        new KeResult(dir,
            List.of(new GenerationResult(1, 0.81, 0.12, 3, 0.05, "w1", "m1"),
                new GenerationResult(2, 0.835, 0.4567, 3, 0.05, "w2", "m2")),
            List.of(epoch(1, 1, 0.7, 0.1), epoch(1, 2, 0.81, 0.12), epoch(2, 1, 0.8, 0.3),
                epoch(2, 2, 0.835, 0.4567)),
            false, 7.5,
            Map.of(Baseline.LONG,
                new KeResult(dir.resolve("baselines/long"),
                    List.of(new GenerationResult(1, 0.8, null, 6, 0.01, "w", "m")),
                    List.of(epoch(1, 1, 0.6, null), epoch(1, 2, 0.8, null)), false, 6, Map.of())));
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
  void extraSectionsAppearAsEscapedTables(@TempDir Path dir) throws Exception {
    KeResult ke = new KeResult(dir,
        List.of(new GenerationResult(1, 0.5, 0.25, 1, 0.01, "w1", "m1")),
        List.of(epoch(1, 1, 0.5, 0.25)), false, 1, Map.of());
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
