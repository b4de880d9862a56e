package io.kebridge.prune.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.prune.cut.SlimPruner;
import io.kebridge.models.testing.Networks;
import org.junit.jupiter.api.Test;

class CostComparisonTest {

  private static CostComparison resnet18At224() {
    NetworkSpec dense = Architectures.build("resnet18",
        ArchitectureConfig.of(new ActivationShape(3, 224, 224), 100));
    NetworkSpec slim = SlimPruner.plan(dense, new KelsPlan(0.5)).slimSpec();
    return CostComparison.of("kels:0.5", dense, slim);
  }

  @Test
  void resnet18At224WithHalfSplitCutsOpsFrom3632MillionTo968Million() {
    CostComparison c = resnet18At224();
    assertEquals(3_632_418_204L, c.dense().ops());
    assertEquals(968_435_356L, c.slim().ops());
    assertEquals(73.3, Math.round(c.opsReductionPercent() * 10) / 10.0);
    assertTrue(c.slim().params() < c.dense().params() / 3);
  }

  @Test
  void perLayerRowsPairDenseAndSlimCosts() {
    CostComparison c = resnet18At224();
    LayerComparison conv = c.layers().stream()
        .filter(r -> r.dense().layer().equals("layer4.1.conv2")).findFirst().orElseThrow();
    // both channel counts halve: a quarter of the multiply-accumulates
    assertEquals(conv.dense().macs() / 4, conv.slim().macs());
    assertEquals(new ActivationShape(256, 7, 7), conv.slim().output());
  }

  @Test
  void jsonRoundTripsAndMarkdownShowsTotalsAndReduction() {
    CostComparison c = resnet18At224();
    CostComparison back = CostComparison.fromJson(c.toJson());
    assertEquals(c, back);
    assertNull(back.latency());
    assertTrue(c.toJson().contains("\"ops\" : 73.34"), c.toJson());
    String md = c.toMarkdown();
    assertTrue(md.contains("| **total** | | | | 11,227,812 |"), md);
    assertTrue(md.contains("3,632,418,204 | 968,435,356 | 73.3% |"), md);
    assertTrue(md.contains("Latency: not measured"), md);
  }

  @Test
  void measuredLatencyIsCarriedThroughJsonAndMarkdown() {
    NetworkSpec dense = Networks.smallCnn(4);
    CostComparison c = CostComparison.of("kels:0.5", dense,
        new KelsPlan(0.5).slimSpec(dense)).withLatency(new Latency("test runtime", 8, 2.0, 0.5));
    assertEquals(c, CostComparison.fromJson(c.toJson()));
    assertTrue(c.toMarkdown().contains("dense 2.000 ms, slim 0.500 ms, 4.00x faster"));
  }
}
