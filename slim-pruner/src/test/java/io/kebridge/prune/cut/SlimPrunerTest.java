package io.kebridge.prune.cut;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.prune.PruneException;
import io.kebridge.models.split.ChannelGroups;
import io.kebridge.models.split.ChannelPlan;
import io.kebridge.models.testing.Networks;
import org.junit.jupiter.api.Test;

class SlimPrunerTest {

  @Test
  void convWeightsKeepTheFirstCeilSOutputAndInputChannels() {
    NetworkSpec spec = Networks.smallCnn(5); // conv1 1->5, conv2 5->10, conv3 10->20, fc 20->5
    Weights w = WeightInit.randomized(spec, 7);
    SlimNetwork slim = SlimPruner.prune(spec, w, new KelsPlan(0.5));

    Tensor conv2 = slim.weights().get("conv2.weight");
    assertArrayEquals(new int[] {5, 3, 3, 3}, conv2.shape());
    float[] dense = w.get("conv2.weight").data();
    for (int o = 0; o < 5; o++) {
      for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 9; k++) {
          assertEquals(dense[(o * 5 + i) * 9 + k], conv2.data()[(o * 3 + i) * 9 + k]);
        }
      }
    }
    // the first conv reads every image channel
    assertArrayEquals(new int[] {3, 1, 3, 3}, slim.weights().get("conv1.weight").shape());
    // batch-norm parameters and statistics follow their channels
    for (String p : new String[] {"weight", "bias", "running_mean", "running_var"}) {
      float[] full = w.get("bn3." + p).data();
      assertArrayEquals(java.util.Arrays.copyOf(full, 10), slim.weights().get("bn3." + p).data());
    }
    // the classifier keeps every class, its first ceil(s*in) inputs and its whole bias
    Tensor fc = slim.weights().get("fc.weight");
    assertArrayEquals(new int[] {5, 10}, fc.shape());
    assertEquals(w.get("fc.weight").data()[3 * 20 + 9], fc.data()[3 * 10 + 9]);
    assertArrayEquals(w.get("fc.bias").data(), slim.weights().get("fc.bias").data());
    assertEquals("small-cnn-slim", slim.spec().architecture());
  }

  @Test
  void convBiasesFollowTheirOutputChannelsForAnyKeptSet() {
    NetworkSpec spec = Networks.flattenMlp();
    Weights w = WeightInit.randomized(spec, 11);
    ChannelPlan plan = ChannelPlan.keepAll(ChannelGroups.of(spec)).withKept("conv2", 0, 3)
        .withKept("conv1", 5, 1, 2);
    SlimNetwork slim = SlimPruner.cut(w, plan);
    float[] bias = w.get("conv2.bias").data();
    assertArrayEquals(new float[] {bias[0], bias[3]}, slim.weights().get("conv2.bias").data());
    float[] b1 = w.get("conv1.bias").data();
    assertArrayEquals(new float[] {b1[1], b1[2], b1[5]}, slim.weights().get("conv1.bias").data());
    // hidden reads the feature runs 0-8 and 27-35 of the flattened conv2 output
    Tensor hidden = slim.weights().get("hidden.weight");
    assertArrayEquals(new int[] {10, 18}, hidden.shape());
    assertEquals(w.get("hidden.weight").data()[2 * 45 + 30], hidden.data()[2 * 18 + 12]);
  }

  @Test
  void refusesAWeightLevelSplitBecauseNoSlimNetworkExists() {
    NetworkSpec spec = Networks.smallCnn(4);
    PruneException e = assertThrows(PruneException.class,
        () -> SlimPruner.prune(spec, WeightInit.heNormal(spec, 1), SplitPlan.parse("wels:0.5", 1)));
    assertTrue(e.getMessage().startsWith("split wels:0.5 has no slim network"), e.getMessage());
  }

  @Test
  void refusesLaterLayerForgetting() {
    NetworkSpec spec = Networks.smallCnn(4);
    PruneException e = assertThrows(PruneException.class,
        () -> SlimPruner.prune(spec, WeightInit.heNormal(spec, 1), SplitPlan.parse("llf:conv3", 1)));
    assertTrue(e.getMessage().contains("llf:conv3 has no slim network"), e.getMessage());
  }

  @Test
  void refusesToCutThroughLocalResponseNormalisationNamingTheLayer() {
    NetworkSpec spec = Networks.foreign();
    PruneException e = assertThrows(PruneException.class,
        () -> SlimPruner.prune(spec, WeightInit.randomized(spec, 1), new KelsPlan(0.5)));
    assertTrue(e.getMessage().startsWith("cannot cut the slim network out of foreign: norm1 "),
        e.getMessage());
    ChannelPlan direct = ChannelPlan.keepAll(ChannelGroups.of(spec)).withKept("conv2", 0, 1);
    PruneException d = assertThrows(PruneException.class,
        () -> SlimPruner.cut(WeightInit.randomized(spec, 1), direct));
    assertTrue(d.getMessage().contains("norm2"), d.getMessage());
  }

  @Test
  void refusesWeightsThatDoNotMatchTheSpec() {
    NetworkSpec spec = Networks.smallCnn(4);
    Weights other = WeightInit.heNormal(Networks.smallCnn(8), 1);
    PruneException e = assertThrows(PruneException.class,
        () -> SlimPruner.prune(spec, other, new KelsPlan(0.5)));
    assertTrue(e.getMessage().startsWith("weights do not match the network spec"), e.getMessage());
  }

  @Test
  void slimWeightsMatchTheSlimSpecForEveryArchitecture() {
    for (NetworkSpec spec : new NetworkSpec[] {Networks.vgg11(4),
        Networks.resnet18(4, ArchitectureConfig.Stem.IMAGENET, 64)}) {
      SlimNetwork slim = SlimPruner.prune(spec, WeightInit.randomized(spec, 2), new KelsPlan(0.25));
      slim.weights().checkMatches(slim.spec());
      assertEquals(new KelsPlan(0.25).slimSpec(spec), slim.spec());
    }
  }
}
