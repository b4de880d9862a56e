package io.kebridge.prune.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.prune.PruneException;
import io.kebridge.prune.testing.Networks;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrunePlanTest {

  private static List<NetworkSpec> networks() {
    return List.of(
        Networks.smallCnn(6),
        Networks.resnet18(6, ArchitectureConfig.Stem.CIFAR, 8),
        Networks.resnet18(5, ArchitectureConfig.Stem.IMAGENET, 64),
        Networks.vgg11(5),
        Networks.flattenMlp());
  }

  @Test
  void kelsPlanAgreesWithModelsKelsSlimSpecWidthsAndMasks() {
    for (double rate : new double[] {0.5, 0.3, 0.75, 1.0}) {
      KelsPlan kels = new KelsPlan(rate);
      for (NetworkSpec spec : networks()) {
        PrunePlan plan = ChannelSelection.kels(ChannelGroups.of(spec), kels);
        String what = spec.architecture() + " at " + rate;
        assertEquals(kels.slimSpec(spec), plan.slimSpec(), what);
        Map<String, Integer> widths = kels.fitWidths(spec);
        for (Layer layer : spec.layers()) {
          assertEquals(widths.get(layer.name()), plan.keptWidth(layer.name()),
              what + ": " + layer.name());
        }
        assertEquals(kels.masks(spec), plan.masks(), what);
      }
    }
  }

  @Test
  void kelsKeepsAPrefixOfEveryPrunableGroup() {
    NetworkSpec spec = Networks.resnet18(6, ArchitectureConfig.Stem.CIFAR, 8);
    PrunePlan plan = ChannelSelection.kels(ChannelGroups.of(spec), new KelsPlan(0.5));
    assertArrayEquals(new int[] {0, 1, 2}, plan.kept("conv1"));
    assertArrayEquals(new int[] {0, 1, 2}, plan.keptOutput("input"));
    assertEquals(7, plan.kept("fc").length);
    assertTrue(plan.describe().contains("keeps    3 of    6: 0-2"), plan.describe());
  }

  @Test
  void acceptsAnyNonEmptySetOfChannels() {
    NetworkSpec spec = Networks.flattenMlp();
    PrunePlan plan = PrunePlan.keepAll(ChannelGroups.of(spec)).withKept("conv2", 4, 1);
    assertArrayEquals(new int[] {1, 4}, plan.kept("conv2"));
    assertArrayEquals(new int[] {9, 10, 11, 12, 13, 14, 15, 16, 17, 36, 37, 38, 39, 40, 41, 42,
        43, 44}, plan.keptOutput("flatten"));
    NetworkSpec slim = plan.slimSpec();
    assertEquals(new Layer.Dense("hidden", "flatten", 18, 10, true), slim.layer("hidden"));
    assertEquals(2, ((Layer.Conv2d) slim.layer("conv2")).outChannels());
    assertTrue(plan.describe().contains("1, 4"), plan.describe());
  }

  @Test
  void refusesAGroupThatWouldKeepNoChannel() {
    PrunePlan plan = PrunePlan.keepAll(ChannelGroups.of(Networks.smallCnn(4)));
    PruneException e = assertThrows(PruneException.class, () -> plan.withKept("conv2"));
    assertEquals("channel group conv2 would keep no channel; keep at least one of its 8 channels",
        e.getMessage());
  }

  @Test
  void refusesChannelsOutOfRangeOrListedTwice() {
    PrunePlan plan = PrunePlan.keepAll(ChannelGroups.of(Networks.smallCnn(4)));
    assertTrue(assertThrows(PruneException.class, () -> plan.withKept("conv1", 0, 4))
        .getMessage().contains("has 4 channels, cannot keep channel 4"));
    assertTrue(assertThrows(PruneException.class, () -> plan.withKept("conv1", 2, 2))
        .getMessage().contains("channel 2 is listed twice"));
    assertTrue(assertThrows(PruneException.class, () -> plan.withKept("conv9", 0))
        .getMessage().contains("no channel group 'conv9'"));
  }

  @Test
  void refusesToDropInputChannelsOrClasses() {
    PrunePlan plan = PrunePlan.keepAll(ChannelGroups.of(Networks.vgg11(4)));
    assertTrue(assertThrows(PruneException.class, () -> plan.withKept("input", 0, 1))
        .getMessage().contains("is the network input and keeps all 3 channels"));
    assertTrue(assertThrows(PruneException.class, () -> plan.withKept("classifier", 0, 1))
        .getMessage().contains("is the network output and keeps all 6 channels"));
  }

  @Test
  void magnitudeSelectionKeepsTheFiltersWithTheLargestNorm() {
    NetworkSpec spec = Networks.smallCnn(4);
    Weights w = WeightInit.randomized(spec, 3);
    float[] conv1 = w.get("conv1.weight").data().clone(); // [4, 1, 3, 3]
    java.util.Arrays.fill(conv1, 0.01f);
    java.util.Arrays.fill(conv1, 27, 36, 5f); // channel 3 largest
    java.util.Arrays.fill(conv1, 9, 18, 2f); // channel 1 second
    w = w.with(new io.kebridge.models.weights.Tensor("conv1.weight", new int[] {4, 1, 3, 3},
        conv1));
    PrunePlan plan = ChannelSelection.largestMagnitude(ChannelGroups.of(spec), w, 0.5);
    assertArrayEquals(new int[] {1, 3}, plan.kept("conv1"));
    assertEquals(new KelsPlan(0.5).slimSpec(spec), plan.slimSpec());
  }
}
