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
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.graph.TfForward;
import org.junit.jupiter.api.Test;

/**
 * The pruner's main test: with random weights and random batch-norm statistics, the slim network's
 * logits equal those of the dense network whose reset-hypothesis weights and reset channels'
 * batch-norm outputs are zeroed, both evaluated by the trainer's TensorFlow graph.
 */
class SlimTensorFlowEquivalenceTest {
  private static final double TOLERANCE = 1e-5;

  private static void assertEquivalent(NetworkSpec spec, ChannelPlan plan, Weights w) {
    SlimNetwork slim = SlimPruner.cut(w, plan);
    float[][] x = Networks.images(spec, 4, 17);
    try (Forward dense = TfForward.open(spec, MaskedDense.of(w, plan));
        Forward cut = TfForward.open(slim.spec(), slim.weights());
        Forward unmasked = TfForward.open(spec, w)) {
      float[][] expected = dense.logits(x);
      double d = Networks.relativeMaxDiff(expected, cut.logits(x));
      assertTrue(d <= TOLERANCE, spec.architecture() + ": relative max difference " + d);
      // guard against a vacuous pass: masking must matter for these weights
      double masked = Networks.relativeMaxDiff(expected, unmasked.logits(x));
      assertTrue(masked > 1e-3, spec.architecture() + ": masking changed logits by only " + masked);
    }
  }

  private static void assertKelsEquivalent(NetworkSpec spec) {
    Weights w = WeightInit.randomized(spec, 42);
    assertEquivalent(spec, new KelsPlan(0.5).channels(spec), w);
  }

  @Test
  void slimSmallCnnMatchesMaskedDenseNetwork() {
    assertKelsEquivalent(Networks.smallCnn(6));
  }

  @Test
  void slimResnet18WithCifarStemMatchesMaskedDenseNetwork() {
    assertKelsEquivalent(Networks.resnet18(4, ArchitectureConfig.Stem.CIFAR, 8));
  }

  @Test
  void slimResnet18WithImagenetStemMatchesMaskedDenseNetwork() {
    assertKelsEquivalent(Networks.resnet18(4, ArchitectureConfig.Stem.IMAGENET, 32));
  }

  @Test
  void slimVgg11BnMatchesMaskedDenseNetwork() {
    assertKelsEquivalent(Networks.vgg11(4));
  }

  @Test
  void slimResnet50MatchesMaskedDenseNetwork() {
    assertKelsEquivalent(Networks.resnet50(4, ArchitectureConfig.Stem.IMAGENET, 32));
  }

  @Test
  void slimDenseNet121MatchesMaskedDenseNetwork() {
    assertKelsEquivalent(Networks.densenet121(4, ArchitectureConfig.Stem.IMAGENET, 32));
  }

  @Test
  void slimDenseNet169MatchesMaskedDenseNetwork() {
    assertKelsEquivalent(Networks.densenet169(4, ArchitectureConfig.Stem.CIFAR, 8));
  }

  @Test
  void slimMobileNetV2MatchesMaskedDenseNetwork() {
    assertKelsEquivalent(Networks.mobilenetV2(8, ArchitectureConfig.Stem.IMAGENET, 32));
  }

  @Test
  void slimNetworkWithEveryLayerTypeMatchesMaskedDenseNetwork() {
    assertKelsEquivalent(Networks.mixed());
    Weights w = WeightInit.randomized(Networks.mixed(), 44);
    assertEquivalent(Networks.mixed(),
        ChannelSelection.largestMagnitude(ChannelGroups.of(Networks.mixed()), w, 0.5), w);
  }

  @Test
  void slimNetworkOfMagnitudeChosenChannelsMatchesMaskedDenseNetwork() {
    NetworkSpec spec = Networks.resnet18(4, ArchitectureConfig.Stem.CIFAR, 8);
    Weights w = WeightInit.randomized(spec, 43);
    assertEquivalent(spec, ChannelSelection.largestMagnitude(ChannelGroups.of(spec), w, 0.5), w);
  }
}
