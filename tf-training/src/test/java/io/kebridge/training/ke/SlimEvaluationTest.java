package io.kebridge.training.ke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.split.ChannelPlan;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.testing.Networks;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.graph.TfForward;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlimEvaluationTest {

  /** The slim network's weights as the pruner cuts them: every tensor at its kept indices. */
  static Weights cut(Weights dense, ChannelPlan plan) {
    List<Tensor> out = new ArrayList<>();
    for (ParamSpec p : plan.spec().params()) {
      out.add(dense.get(p.name()).select(plan.keptIndices(p.name())));
    }
    return Weights.of(out);
  }

  /** In-graph slim predictions (sliced or gathered dense variables) against the cut network. */
  private static void assertSlimPredictionsMatchTheCut(NetworkSpec spec, long seed) {
    KelsPlan plan = new KelsPlan(0.5);
    Weights w = WeightInit.randomized(spec, seed);
    int n = 40;
    ActivationShape s = spec.input().shape();
    int per = (int) s.elements();
    float[] nhwc = KeGraphTest.batch(n, per, 1);
    int[] inGraph;
    try (KeGraph g = KeGraph.build(spec, KeGraphTest.SETTINGS)) {
      g.loadWeights(w);
      g.loadMasks(plan.masks(spec));
      inGraph = g.predict(nhwc, n, true);
    }
    ChannelPlan channels = plan.channels(spec);
    float[][] images = new float[n][per];
    int hw = s.height() * s.width();
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < hw; p++) {
        for (int c = 0; c < s.channels(); c++) {
          images[i][c * hw + p] = nhwc[i * per + p * s.channels() + c];
        }
      }
    }
    int[] cut = new int[n];
    try (TfForward f = TfForward.open(channels.slimSpec(), cut(w, channels))) {
      float[][] logits = f.logits(images);
      for (int i = 0; i < n; i++) {
        cut[i] = io.kebridge.models.forward.Forward.top1(logits[i]);
      }
    }
    assertArrayEquals(cut, inGraph, spec.architecture());
  }

  @Test
  void inGraphSlimPredictionsEqualTheCutOutSlimNetwork() {
    assertSlimPredictionsMatchTheCut(Architectures.build("resnet18",
        new ArchitectureConfig(new ActivationShape(1, 12, 12), 5, 4,
            ArchitectureConfig.Stem.CIFAR)), 9);
  }

  @Test
  void inGraphSlimPredictionsGatherTheChunksOfConcatenationsAndDepthwiseChannels() {
    assertSlimPredictionsMatchTheCut(Networks.densenet121(4, ArchitectureConfig.Stem.CIFAR, 8),
        10);
    assertSlimPredictionsMatchTheCut(Networks.mobilenetV2(8, ArchitectureConfig.Stem.CIFAR, 8),
        11);
    assertSlimPredictionsMatchTheCut(Networks.mixed(), 12);
  }
}
