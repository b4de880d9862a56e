package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchSuiteTest {

  @Test
  void theQuickSuiteWritesEveryBenchmarkToJsonAndMarkdown(@TempDir Path dir) throws Exception {
    CliRun r = CliRun.of("bench", "--quick", "--runs", "2", "--out", dir.toString());
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = new ObjectMapper().readTree(dir.resolve("bench.json").toFile());
    assertEquals("ke bench --quick --runs 2", json.get("command").asText());
    assertEquals(2, json.get("runs").asInt());
    int finite = 0;
    for (JsonNode f : json.get("figures")) {
      assertEquals(2, f.get("runs").size(), f.toString());
      double a = f.get("runs").get(0).asDouble();
      double b = f.get("runs").get(1).asDouble();
      // a serving window in which no request finished (a loaded CI machine, the quick suite's
      // short windows) has no latency: NaN, not a number made up
      if (Double.isFinite(a) && Double.isFinite(b)) {
        finite++;
        assertEquals((a + b) / 2, f.get("value").asDouble(), 1e-9 * Math.max(1, Math.abs(a + b)));
      }
    }
    assertTrue(finite >= json.get("figures").size() * 3 / 4, "most figures are measured: " + json);
    assertTrue(json.get("machine").get("cores").asInt() >= 1);
    Set<String> benchmarks = new HashSet<>();
    for (JsonNode f : json.get("figures")) {
      benchmarks.add(f.get("benchmark").asText());
      // memory may shrink over a run; every other figure is a count, a rate or a time
      assertTrue(f.get("metric").asText().contains("growth") || !(f.get("value").asDouble() < 0),
          f.toString());
      if (f.get("metric").asText().equals("errors")) {
        assertEquals(0, f.get("value").asInt(), "the load saw errors: " + f);
      }
    }
    assertEquals(Set.of("train", "infer", "serve"), benchmarks);
    String md = Files.readString(dir.resolve("bench.md"));
    assertTrue(md.contains("| benchmark | setting | figure | value |"), md);
    assertTrue(md.contains("slim speed-up (p50 ratio)"), md);
    assertTrue(md.contains("throughput / raw ONNX Runtime"), md);
    assertTrue(md.contains("each value the median of 2 suite runs"), md);
  }

  @Test
  void eachFigureIsTheMedianOfItsRuns() {
    List<List<BenchSuite.Figure>> runs = new ArrayList<>();
    for (double v : new double[] {5, 1, 3}) {
      runs.add(List.of(new BenchSuite.Figure("infer", "s", "p50", v, "ms", List.of(v)),
          new BenchSuite.Figure("infer", "s", "ratio", 10 * v, "x", List.of(10 * v))));
    }
    List<BenchSuite.Figure> m = BenchSuite.medians(runs);
    assertEquals(3, m.get(0).value());
    assertEquals(List.of(5.0, 1.0, 3.0), m.get(0).runs());
    assertEquals(30, m.get(1).value());
    runs.add(List.of(runs.get(0).get(1), runs.get(0).get(0)));
    assertThrows(IllegalStateException.class, () -> BenchSuite.medians(runs));
  }
}
