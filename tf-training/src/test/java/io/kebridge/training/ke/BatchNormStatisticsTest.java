package io.kebridge.training.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchNormStatisticsTest {

  @Test
  void trainingStepMovesRunningStatisticsByMomentumWithUnbiasedVariance() {
    NetworkSpec spec =
        new NetworkSpec(
            "bn",
            List.of(
                new Layer.Input("input", new ActivationShape(1, 2, 2)),
                new Layer.BatchNorm("bn", "input", 1, 1e-5, 0.1),
                new Layer.Flatten("flatten", "bn"),
                new Layer.Dense("fc", "flatten", 4, 2, true)),
            "fc");
    float[] x = {1, 2, 3, 4, 5, 6, 7, 9}; // two images of 2x2, one channel
    double mean = 37 / 8.0;
    double ss = 0;
    for (float v : x) {
      ss += (v - mean) * (v - mean);
    }
    double unbiased = ss / 7;
    try (KeGraph g = KeGraph.build(spec, KeGraphTest.SETTINGS)) {
      g.loadWeights(WeightInit.heNormal(spec, 1)); // running mean 0, variance 1
      g.loadMasks(new KelsPlan(0.5).masks(spec));
      g.resetMomentum();
      g.train(x, new int[] {0, 1}, 2, 0f, 0, 0);
      Weights w = g.readWeights();
      assertEquals(0.1 * mean, w.get("bn.running_mean").data()[0], 1e-5);
      assertEquals(0.9 + 0.1 * unbiased, w.get("bn.running_var").data()[0], 1e-4);
    }
  }
}
