package io.kebridge.onnx.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.onnx.TestNetworks;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferenceBenchmarkTest {

  @Test
  void percentilesUseTheNearestRank() {
    long[] ms = new long[100];
    for (int i = 0; i < ms.length; i++) {
      ms[i] = (i + 1) * 1_000_000L;
    }
    assertEquals(50.0, InferenceBenchmark.percentile(ms, 50));
    assertEquals(90.0, InferenceBenchmark.percentile(ms, 90));
    assertEquals(99.0, InferenceBenchmark.percentile(ms, 99));
  }

  @Test
  void everyRequestedBatchSizeIsMeasuredWithOrderedPercentiles(@TempDir Path dir) {
    NetworkSpec spec = TestNetworks.smallCnn();
    Path file = dir.resolve("m.onnx");
    OnnxExporter.write(spec, WeightInit.randomized(spec, 1), TestNetworks.card(spec),
        ExportOptions.defaults(), file);
    List<LatencyResult> results = InferenceBenchmark.run(file,
        new InferenceBenchmark.Settings(List.of(1, 4), 2, 5, OrtSettings.defaults().withThreads(1)));
    assertEquals(List.of(1, 4), results.stream().map(LatencyResult::batch).toList());
    for (LatencyResult r : results) {
      assertEquals(5, r.iterations());
      assertTrue(r.p50Ms() > 0 && r.p50Ms() <= r.p90Ms() && r.p90Ms() <= r.p99Ms(), r.describe());
      assertTrue(r.imagesPerSecond() > 0, r.describe());
    }
  }

  @Test
  void interleavedComparisonReportsEveryModelAtEveryBatchSize() {
    NetworkSpec spec = TestNetworks.smallCnn();
    var model = OnnxExporter.export(spec, WeightInit.randomized(spec, 1), TestNetworks.card(spec),
        ExportOptions.defaults());
    OrtSettings ort = OrtSettings.defaults().withThreads(1);
    try (OrtForward a = OrtForward.open(model, ort); OrtForward b = OrtForward.open(model, ort)) {
      List<List<LatencyResult>> r = InferenceBenchmark.compare(List.of(a, b),
          new InferenceBenchmark.Settings(List.of(1, 3), 1, 4, ort));
      assertEquals(2, r.size());
      for (List<LatencyResult> perModel : r) {
        assertEquals(List.of(1, 3), perModel.stream().map(LatencyResult::batch).toList());
        assertTrue(perModel.stream().allMatch(x -> x.iterations() == 4 && x.p50Ms() > 0));
      }
    }
  }

  @Test
  void withOneThreadTheCpuTimeOfEachRunIsMeasuredAndNeverExceedsItsWallTime() {
    NetworkSpec spec = TestNetworks.smallCnn();
    var model = OnnxExporter.export(spec, WeightInit.randomized(spec, 1), TestNetworks.card(spec),
        ExportOptions.defaults());
    for (int threads : new int[] {1, 2}) {
      OrtSettings ort = OrtSettings.defaults().withThreads(threads);
      try (OrtForward f = OrtForward.open(model, ort)) {
        LatencyResult r = InferenceBenchmark.run(f,
            new InferenceBenchmark.Settings(List.of(8), 2, 20, ort)).get(0);
        if (threads == 1) {
          // per run, the calling thread's CPU time is at most its wall time, so are the medians
          // (up to the granularity of the two clocks)
          assertTrue(r.cpuP50Ms() > 0 && r.cpuP50Ms() <= r.p50Ms() + 0.005, r.describe());
          assertTrue(r.describe().contains("cpu p50"), r.describe());
        } else {
          assertTrue(Double.isNaN(r.cpuP50Ms()), "ONNX Runtime's pool threads do the work");
          assertFalse(r.describe().contains("cpu p50"), r.describe());
        }
      }
    }
  }
}
