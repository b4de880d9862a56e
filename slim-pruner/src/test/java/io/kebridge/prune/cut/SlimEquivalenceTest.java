package io.kebridge.prune.cut;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.ChannelGroups;
import io.kebridge.models.split.ChannelPlan;
import io.kebridge.models.split.ChannelSelection;
import io.kebridge.models.testing.Networks;
import io.kebridge.models.testing.ReferenceForward;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The cut agrees with the masked dense network under an independent plain-Java forward pass, for
 * KELS prefixes (concatenations, depthwise and grouped convolutions included) and for
 * magnitude-chosen (non-prefix) channels; the TensorFlow version of this
 * identity is {@code SlimTensorFlowEquivalenceTest}.
 */
class SlimEquivalenceTest {

  private static double diff(NetworkSpec spec, Weights w, ChannelPlan plan) {
    SlimNetwork slim = SlimPruner.cut(w, plan);
    float[][] x = Networks.images(spec, 3, 5);
    try (Forward dense = new ReferenceForward(spec, MaskedDense.of(w, plan));
        Forward cut = new ReferenceForward(slim.spec(), slim.weights())) {
      return Networks.relativeMaxDiff(dense.logits(x), cut.logits(x));
    }
  }

  @Test
  void slimNetworkMatchesMaskedDenseNetworkForKels() {
    for (NetworkSpec spec : new NetworkSpec[] {Networks.smallCnn(4), Networks.flattenMlp(),
        Networks.resnet18(4, ArchitectureConfig.Stem.CIFAR, 8),
        Networks.resnet50(4, ArchitectureConfig.Stem.CIFAR, 8),
        Networks.densenet121(4, ArchitectureConfig.Stem.CIFAR, 8),
        Networks.mobilenetV2(8, ArchitectureConfig.Stem.CIFAR, 8), Networks.mixed()}) {
      Weights w = WeightInit.randomized(spec, 21);
      double d = diff(spec, w, new KelsPlan(0.5).channels(spec));
      assertTrue(d <= 1e-5, spec.architecture() + ": relative difference " + d);
    }
  }

  @Test
  void slimNetworkMatchesMaskedDenseNetworkForMagnitudeChosenChannels() {
    for (NetworkSpec spec : new NetworkSpec[] {Networks.flattenMlp(),
        Networks.resnet18(4, ArchitectureConfig.Stem.CIFAR, 8), Networks.mixed(),
        Networks.densenet121(4, ArchitectureConfig.Stem.CIFAR, 8)}) {
      Weights w = WeightInit.randomized(spec, 22);
      ChannelPlan plan = ChannelSelection.largestMagnitude(ChannelGroups.of(spec), w, 0.5);
      ChannelPlan prefix = new KelsPlan(0.5).channels(spec);
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
    ChannelPlan plan = new KelsPlan(0.5).channels(spec);
    float[][] x = Networks.images(spec, 3, 5);
    try (Forward dense = new ReferenceForward(spec, w);
        Forward masked = new ReferenceForward(spec, MaskedDense.of(w, plan))) {
      double d = Networks.relativeMaxDiff(dense.logits(x), masked.logits(x));
      assertTrue(d > 1e-2, "masking should change the logits, difference " + d);
    }
  }
}
