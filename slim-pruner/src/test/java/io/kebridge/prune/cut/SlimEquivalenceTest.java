package io.kebridge.prune.cut;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.prune.group.ChannelGroups;
import io.kebridge.prune.group.ChannelSelection;
import io.kebridge.prune.group.PrunePlan;
import io.kebridge.prune.testing.JavaForward;
import io.kebridge.prune.testing.Networks;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The cut agrees with the masked dense network under an independent plain-Java forward pass, for
 * KELS prefixes and for magnitude-chosen (non-prefix) channels; the TensorFlow version of this
 * identity is {@code SlimTensorFlowEquivalenceTest}.
 */
class SlimEquivalenceTest {

  private static double diff(NetworkSpec spec, Weights w, PrunePlan plan) {
    SlimNetwork slim = SlimPruner.cut(w, plan);
    float[][] x = Networks.images(spec, 3, 5);
    try (Forward dense = new JavaForward(spec, MaskedDense.of(w, plan));
        Forward cut = new JavaForward(slim.spec(), slim.weights())) {
      return Networks.relativeMaxDiff(dense.logits(x), cut.logits(x));
    }
  }

  @Test
  void slimNetworkMatchesMaskedDenseNetworkForKels() {
    for (NetworkSpec spec : new NetworkSpec[] {Networks.smallCnn(4), Networks.flattenMlp(),
        Networks.resnet18(4, ArchitectureConfig.Stem.CIFAR, 8)}) {
      Weights w = WeightInit.randomized(spec, 21);
      double d = diff(spec, w, ChannelSelection.kels(ChannelGroups.of(spec), new KelsPlan(0.5)));
      assertTrue(d <= 1e-5, spec.architecture() + ": relative difference " + d);
    }
  }

  @Test
  void slimNetworkMatchesMaskedDenseNetworkForMagnitudeChosenChannels() {
    for (NetworkSpec spec : new NetworkSpec[] {Networks.flattenMlp(),
        Networks.resnet18(4, ArchitectureConfig.Stem.CIFAR, 8)}) {
      Weights w = WeightInit.randomized(spec, 22);
      PrunePlan plan = ChannelSelection.largestMagnitude(ChannelGroups.of(spec), w, 0.5);
      PrunePlan prefix = ChannelSelection.kels(ChannelGroups.of(spec), new KelsPlan(0.5));
      assertTrue(plan.groups().groups().stream()
              .anyMatch(g -> !Arrays.equals(plan.kept(g.id()), prefix.kept(g.id()))),
          spec.architecture() + ": the magnitude choice should not be the KELS prefix");
      double d = diff(spec, w, plan);
      assertTrue(d <= 1e-5, spec.architecture() + ": relative difference " + d);
    }
  }

  @Test
  void maskingChangesTheDenseLogitsSoTheIdentityIsNotTrivial() {
    NetworkSpec spec = Networks.smallCnn(4);
    Weights w = WeightInit.randomized(spec, 23);
    PrunePlan plan = ChannelSelection.kels(ChannelGroups.of(spec), new KelsPlan(0.5));
    float[][] x = Networks.images(spec, 3, 5);
    try (Forward dense = new JavaForward(spec, w);
        Forward masked = new JavaForward(spec, MaskedDense.of(w, plan))) {
      double d = Networks.relativeMaxDiff(dense.logits(x), masked.logits(x));
      assertTrue(d > 1e-2, "masking should change the logits, difference " + d);
    }
  }
}
