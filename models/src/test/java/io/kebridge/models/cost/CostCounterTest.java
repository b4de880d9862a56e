package io.kebridge.models.cost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.testing.Networks;
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

  /** Dense and {@code kels:0.5} slim Ops and params at 224x224, 100 classes. */
  private static long[] figures(String arch) {
    NetworkSpec dense = Architectures.build(
        arch, ArchitectureConfig.of(new ActivationShape(3, 224, 224), 100));
    CostReport d = CostCounter.count(dense);
    CostReport s = CostCounter.count(new KelsPlan(0.5).slimSpec(dense));
    return new long[] {d.ops(), s.ops(), d.params(), s.params()};
  }

  @Test
  void resnet50AndDenseNetsMatchTheReferenceProfilerExactly() {
    // measured by running the KE reference's profiler on its own models (shared notes)
    assertArrayEquals(new long[] {8_195_806_108L, 2_113_341_852L, 23_712_932L, 5_995_140L},
        figures("resnet50"));
    assertArrayEquals(new long[] {5_707_285_660L, 1_496_080_924L, 7_056_356L, 1_813_028L},
        figures("densenet121"));
    assertArrayEquals(new long[] {6_767_143_324L, 1_763_488_924L, 12_650_980L, 3_246_372L},
        figures("densenet169"));
    assertArrayEquals(new long[] {7_334_303_132L, 1_894_533_788L, 21_335_972L, 5_353_476L},
        figures("resnet34"));
  }

  @Test
  void mobilenetV2HasTorchvisionsParameterCount() {
    NetworkSpec net = Architectures.build(
        "mobilenet-v2", ArchitectureConfig.of(new ActivationShape(3, 224, 224), 1000));
    assertEquals(3_504_872L, CostCounter.count(net).params());
    // torchvision's 300.8 M multiply-adds
    assertEquals(300_774_272L, CostCounter.count(net).macs());
  }

  @Test
  void poolingAndGroupedConvolutionsFollowTheProfilersFormulas() {
    NetworkSpec net = new NetworkSpec("pools", java.util.List.of(
        new Layer.Input("input", new ActivationShape(8, 8, 8)),
        new Layer.Conv2d("dw", "input", 8, 16, 3, 1, 1, 8, true),
        new Layer.Conv2d("grouped", "dw", 16, 8, 1, 1, 0, 4, false),
        new Layer.MaxPool("max2", "grouped", 2, 2, 0),
        new Layer.AvgPool("avg2", "grouped", 2, 2, 0, true),
        new Layer.Relu6("r6", "avg2"),
        new Layer.Relu("fr", "r6", true),
        new Layer.Concat("cat", java.util.List.of("max2", "fr")),
        new Layer.Dropout("drop", "cat", 0.5),
        new Layer.GlobalAvgPool("gap", "drop"),
        new Layer.Flatten("flat", "gap"),
        new Layer.Dense("fc", "flat", 16, 3, true)), "fc");
    CostReport r = CostCounter.count(net);
    long dwOut = 16L * 8 * 8;
    assertEquals(dwOut * 9, r.layer("dw").macs()); // one input channel per filter
    assertEquals(dwOut * (2 * 9 - 1) + dwOut, r.layer("dw").ops());
    assertEquals(16L * 9 + 16, r.layer("dw").params());
    long gOut = 8L * 8 * 8;
    assertEquals(gOut * (2 * 4 - 1), r.layer("grouped").ops()); // 16/4 inputs per filter
    assertEquals(8L * 4, r.layer("grouped").params());
    long poolOut = 8L * 4 * 4;
    assertEquals(poolOut, r.layer("max2").ops()); // (k - 1) per output
    assertEquals(2 * poolOut, r.layer("avg2").ops()); // k per output: the reference's quirk
    assertEquals(poolOut, r.layer("r6").ops());
    assertEquals(0, r.layer("fr").ops()); // functional: the profiler never sees it
    assertEquals(0, r.layer("cat").ops() + r.layer("drop").ops() + r.layer("gap").ops());
  }

  @Test
  void lrnCostsTwiceItsWindowPlusThreeOpsPerElementAndCeilModeOnlyChangesTheOutputSize() {
    NetworkSpec net = Networks.foreign();
    CostReport r = CostCounter.count(net);
    long norm1 = net.shapeOf("norm1").elements(); // 8 x 8 x 8
    assertEquals((2 * 5 + 3) * norm1, r.layer("norm1").ops());
    assertEquals(0, r.layer("norm1").macs());
    assertEquals(0, r.layer("norm1").params());
    // 3x3 stride-2 ceil-mode max-pool over 8x8 gives 4x4 windows (floor would give 3x3)
    assertEquals(new ActivationShape(8, 4, 4), net.shapeOf("pool1"));
    assertEquals(2L * 8 * 4 * 4, r.layer("pool1").ops());
  }
}
