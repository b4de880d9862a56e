package io.kebridge.prune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.prune.PruneException;
import io.kebridge.models.testing.ReferenceForward;
import org.junit.jupiter.api.Test;

class AccuracyEvaluatorTest {

  @Test
  void countsArgmaxHitsTheSameWhateverTheBatchSize() {
    Dataset test = Datasets.load("digits").test();
    NetworkSpec spec = Architectures.build("small-cnn",
        new ArchitectureConfig(test.shape(), test.classes(), 4, ArchitectureConfig.Stem.AUTO));
    float[] mean = test.stats().mean();
    float[] std = test.stats().std();
    try (Forward f = new ReferenceForward(spec, WeightInit.randomized(spec, 4))) {
      Accuracy whole = AccuracyEvaluator.evaluate(f, test, mean, std, 1000);
      Accuracy batched = AccuracyEvaluator.evaluate(f, test, mean, std, 7);
      assertEquals(test.size(), whole.total());
      assertEquals(whole, batched);
      // recount image by image
      int correct = 0;
      for (int i = 0; i < test.size(); i++) {
        float[] x = new ChannelStats(mean, std).normalize(test.image(i));
        if (Forward.top1(f.logits(new float[][] {x})[0]) == test.label(i)) {
          correct++;
        }
      }
      assertEquals(correct, whole.correct());
    }
  }

  @Test
  void refusesNormalisationForAnotherChannelCount() {
    Dataset test = Datasets.load("digits").test();
    NetworkSpec spec = Architectures.build("small-cnn",
        new ArchitectureConfig(test.shape(), test.classes(), 4, ArchitectureConfig.Stem.AUTO));
    try (Forward f = new ReferenceForward(spec, WeightInit.randomized(spec, 4))) {
      assertThrows(PruneException.class, () -> AccuracyEvaluator.evaluate(f, test,
          new float[3], new float[3], 10));
    }
  }
}
