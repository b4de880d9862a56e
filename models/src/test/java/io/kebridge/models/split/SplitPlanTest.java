package io.kebridge.models.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.ModelException;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitPlanTest {

  private static NetworkSpec resnet18(int classes) {
    return Architectures.build(
        "resnet18", ArchitectureConfig.of(new ActivationShape(3, 224, 224), classes));
  }

  @Test
  void kelsFitCountsMatchTheReferenceForResnet18() {
    Map<String, Mask> m = new KelsPlan(0.5).masks(resnet18(100));
    assertEquals(4_704, m.get("conv1.weight").fitCount());
    for (String c : List.of("layer1.0.conv1", "layer1.0.conv2", "layer1.1.conv1", "layer1.1.conv2")) {
      assertEquals(9_216, m.get(c + ".weight").fitCount(), c);
    }
    assertEquals(18_432, m.get("layer2.0.conv1.weight").fitCount());
    assertEquals(2_048, m.get("layer2.0.downsample.0.weight").fitCount());
    for (String c : List.of("layer4.0.conv2", "layer4.1.conv1", "layer4.1.conv2")) {
      assertEquals(589_824, m.get(c + ".weight").fitCount(), c);
    }
    assertEquals(25_600, m.get("fc.weight").fitCount());
  }

  @Test
  void kelsMasksOnlyConvAndDenseWeights() {
    NetworkSpec spec = resnet18(10);
    Map<String, Mask> m = new KelsPlan(0.5).masks(spec);
    long maskable = spec.params().stream().filter(p -> p.kind().maskable()).count();
    assertEquals(maskable, m.size());
    assertFalse(m.containsKey("bn1.weight"));
    assertFalse(m.containsKey("fc.bias"));
    assertTrue(spec.params().stream().filter(p -> p.kind() == ParamKind.BN_MEAN).count() > 0);
  }

  @Test
  void kelsFitPartIsTheLeadingBlockOfFiltersAndChannels() {
    NetworkSpec spec = resnet18(10);
    Mask m = new KelsPlan(0.5).masks(spec).get("layer2.0.conv1.weight"); // [128, 64, 3, 3]
    int inner = 9;
    assertTrue(m.isFit(((63 * 64) + 31) * inner + 8));   // out 63, in 31: fit
    assertFalse(m.isFit(((64 * 64) + 0) * inner));         // out 64: reset
    assertFalse(m.isFit(((0 * 64) + 32) * inner));         // in 32: reset
  }

  @Test
  void theConvReadingTheInputKeepsAllInputChannelsByPositionNotByCount() {
    // A 3-channel input whose first conv yields 3 channels: only the first conv keeps every input.
    NetworkSpec spec = new NetworkSpec("t", List.of(
        new Layer.Input("input", new ActivationShape(3, 8, 8)),
        new Layer.Conv2d("a", "input", 3, 3, 1, 1, 0, false),
        new Layer.Conv2d("b", "a", 3, 4, 1, 1, 0, false),
        new Layer.GlobalAvgPool("gap", "b"),
        new Layer.Flatten("flat", "gap"),
        new Layer.Dense("fc", "flat", 4, 5, true)), "fc");
    Map<String, Mask> m = new KelsPlan(0.5).masks(spec);
    assertEquals(2 * 3, m.get("a.weight").fitCount());  // ceil(1.5) filters x all 3 inputs
    assertEquals(2 * 2, m.get("b.weight").fitCount());  // 2 filters x ceil(1.5) inputs
    assertEquals(5 * 2, m.get("fc.weight").fitCount()); // every class x 2 features
  }

  @Test
  void slimSpecHasFitWidthsAndTheSameTopology() {
    NetworkSpec dense = resnet18(100);
    NetworkSpec slim = new KelsPlan(0.5).slimSpec(dense);
    assertEquals(dense.layers().size(), slim.layers().size());
    assertEquals(new ActivationShape(32, 112, 112), slim.shapeOf("conv1"));
    assertEquals(new ActivationShape(256, 7, 7), slim.shapeOf("layer4.1.relu2"));
    assertEquals(100, slim.classes());
    assertEquals(3, ((Layer.Conv2d) slim.layer("conv1")).inChannels());
  }

  @Test
  void fitWidthRoundsUpWithoutFloatingPointSurprises() {
    assertEquals(3, new KelsPlan(0.3).fitWidth(10));
    assertEquals(2, new KelsPlan(0.5).fitWidth(3));
    assertEquals(1, new KelsPlan(0.01).fitWidth(10));
    assertEquals(10, new KelsPlan(1.0).fitWidth(10));
  }

  @Test
  void welsMasksAreReproducibleFromTheSeed() {
    NetworkSpec spec = resnet18(10);
    Map<String, Mask> a = new WelsPlan(0.5, 7).masks(spec);
    Map<String, Mask> b = new WelsPlan(0.5, 7).masks(spec);
    Map<String, Mask> c = new WelsPlan(0.5, 8).masks(spec);
    assertEquals(a, b);
    assertNotEquals(a.get("layer1.0.conv1.weight"), c.get("layer1.0.conv1.weight"));
    Mask big = a.get("layer4.0.conv2.weight");
    assertEquals(0.5, (double) big.fitCount() / big.size(), 0.01);
    assertFalse(new WelsPlan(0.5, 7).hasSlimNetwork());
  }

  @Test
  void llfResetsEverythingFromTheNamedLayerOn() {
    NetworkSpec spec = resnet18(10);
    Map<String, Mask> m = new LlfPlan("layer4").masks(spec);
    assertEquals(m.get("layer3.1.conv2.weight").size(), m.get("layer3.1.conv2.weight").fitCount());
    assertEquals(0, m.get("layer4.0.conv1.weight").fitCount());
    assertEquals(0, m.get("fc.weight").fitCount());
    assertThrows(ModelException.class, () -> new LlfPlan("layer9").masks(spec));
  }

  @Test
  void plansParseFromTextAndRejectNonsense() {
    assertEquals(new KelsPlan(0.5), SplitPlan.parse("kels:0.5", 0));
    assertEquals(new WelsPlan(0.25, 3), SplitPlan.parse("wels:0.25", 3));
    assertEquals(new LlfPlan("layer3"), SplitPlan.parse("llf:layer3", 0));
    assertThrows(ModelException.class, () -> SplitPlan.parse("kels:1.5", 0));
    assertThrows(ModelException.class, () -> SplitPlan.parse("kels:half", 0));
    ModelException e = assertThrows(ModelException.class, () -> SplitPlan.parse("random:0.5", 0));
    assertTrue(e.getMessage().contains("kels:S"), e.getMessage());
  }
}
