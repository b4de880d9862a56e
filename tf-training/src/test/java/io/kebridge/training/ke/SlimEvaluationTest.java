package io.kebridge.training.ke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.graph.TfForward;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlimEvaluationTest {

  /** Cuts the first channels of every tensor: the slim network as the pruner will build it. */
  static Weights slice(Weights dense, NetworkSpec slim) {
    List<Tensor> out = new ArrayList<>();
    for (ParamSpec p : slim.params()) {
      Tensor t = dense.get(p.name());
      int[] from = t.shape();
      int[] to = p.shape();
      float[] v = new float[(int) p.elements()];
      int[] idx = new int[to.length];
      for (int i = 0; i < v.length; i++) {
        int rem = i;
        for (int d = to.length - 1; d >= 0; d--) {
          idx[d] = rem % to[d];
          rem /= to[d];
        }
        int src = 0;
        for (int d = 0; d < to.length; d++) {
          src = src * from[d] + idx[d];
        }
        v[i] = t.data()[src];
      }
      out.add(new Tensor(p.name(), to, v));
    }
    return Weights.of(out);
  }

  @Test
  void inGraphSlimPredictionsEqualTheCutOutSlimNetwork() {
    NetworkSpec spec =
        Architectures.build(
            "resnet18",
            new ArchitectureConfig(
                new ActivationShape(1, 12, 12), 5, 4, ArchitectureConfig.Stem.CIFAR));
    KelsPlan plan = new KelsPlan(0.5);
    Weights w = WeightInit.randomized(spec, 9);
    int n = 40;
    float[] nhwc = KeGraphTest.batch(n, 144, 1);
    int[] inGraph;
    try (KeGraph g = KeGraph.build(spec, KeGraphTest.SETTINGS)) {
      g.loadWeights(w);
      g.loadMasks(plan.masks(spec));
      inGraph = g.predict(nhwc, n, true);
    }
    NetworkSpec slim = plan.slimSpec(spec);
    float[][] images = new float[n][];
    for (int i = 0; i < n; i++) {
      images[i] = new float[144];
      System.arraycopy(nhwc, i * 144, images[i], 0, 144); // one channel: HWC equals CHW
    }
    int[] cut = new int[n];
    try (TfForward f = TfForward.open(slim, slice(w, slim))) {
      float[][] logits = f.logits(images);
      for (int i = 0; i < n; i++) {
        int best = 0;
        for (int k = 1; k < logits[i].length; k++) {
          if (logits[i][k] > logits[i][best]) {
            best = k;
          }
        }
        cut[i] = best;
      }
    }
    assertArrayEquals(cut, inGraph);
  }
}
