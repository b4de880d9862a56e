package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchSuiteTest {

  @Test
  void theQuickSuiteWritesEveryBenchmarkToJsonAndMarkdown(@TempDir Path dir) throws Exception {
    CliRun r = CliRun.of("bench", "--quick", "--out", dir.toString());
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = new ObjectMapper().readTree(dir.resolve("bench.json").toFile());
    assertEquals("ke bench --quick", json.get("command").asText());
    assertTrue(json.get("machine").get("cores").asInt() >= 1);
    Set<String> benchmarks = new HashSet<>();
    for (JsonNode f : json.get("figures")) {
      benchmarks.add(f.get("benchmark").asText());
      assertTrue(f.get("value").asDouble() >= 0, f.toString());
      if (f.get("metric").asText().equals("errors")) {
        assertEquals(0, f.get("value").asInt(), "the load saw errors: " + f);
      }
    }
    assertEquals(Set.of("train", "infer", "serve"), benchmarks);
    String md = Files.readString(dir.resolve("bench.md"));
    assertTrue(md.contains("| benchmark | setting | figure | value |"), md);
    assertTrue(md.contains("slim speed-up (p50 ratio)"), md);
    assertTrue(md.contains("throughput / raw ONNX Runtime"), md);
  }
}
