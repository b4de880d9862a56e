package io.kebridge.models.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import org.junit.jupiter.api.Test;

class CostCounterTest {

  private static NetworkSpec resnet18(int classes) {
    return Architectures.build(
        "resnet18", ArchitectureConfig.of(new ActivationShape(3, 224, 224), classes));
  }

  @Test
  void resnet18OpsMatchTheKePaper() {
    NetworkSpec dense = resnet18(100);
    CostReport d = CostCounter.count(dense);
    CostReport s = CostCounter.count(new KelsPlan(0.5).slimSpec(dense));
    assertEquals(3_632_418_204L, d.ops());
    assertEquals(968_435_356L, s.ops());
    assertEquals(73.3, CostReport.reductionPercent(d.ops(), s.ops()), 0.05);
  }

  @Test
  void resnet18ParamsAndMacsMatchTorchvisionCounters() {
    NetworkSpec dense = resnet18(1000);
    CostReport d = CostCounter.count(dense);
    CostReport s = CostCounter.count(new KelsPlan(0.5).slimSpec(dense));
    assertEquals(11_689_512L, d.params());
    assertEquals(1_814_073_344L, d.macs());
    assertEquals(3_055_880L, s.params());
    assertEquals(483_149_824L, s.macs());
  }

  @Test
  void perLayerCostsFollowThePaperConvention() {
    CostReport d = CostCounter.count(resnet18(100));
    LayerCost conv1 = d.layer("conv1"); // 64x112x112 outputs, 7x7x3 each
    long out = 64L * 112 * 112;
    assertEquals(out * 147, conv1.macs());
    assertEquals(out * (2 * 147 - 1), conv1.ops());
    assertEquals(2 * out, d.layer("bn1").ops());
    assertEquals(out, d.layer("relu").ops());
    assertEquals(2L * 64 * 56 * 56, d.layer("maxpool").ops());
    assertEquals(0, d.layer("avgpool").ops());
    assertEquals(0, d.layer("layer1.0.add").ops());
    assertEquals((2L * 512 - 1) * 100, d.layer("fc").ops());
    assertEquals(512L * 100 + 100, d.layer("fc").params());
  }
}
