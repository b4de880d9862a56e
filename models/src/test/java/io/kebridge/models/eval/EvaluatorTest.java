package io.kebridge.models.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kebridge.models.ModelException;
import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.spec.ActivationShape;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

  /** Scores class j by how close pixel 0 (normalised) is to j: a classifier with known answers. */
  private static final class Nearest implements Forward {
    @Override
    public float[][] logits(float[][] images) {
      float[][] out = new float[images.length][3];
      for (int i = 0; i < images.length; i++) {
        for (int j = 0; j < 3; j++) {
          out[i][j] = -Math.abs(images[i][0] - j);
        }
      }
      return out;
    }

    @Override
    public void close() {}
  }

  private static Dataset data() {
    float[][] x = {{0f}, {1f}, {2f}, {0.6f}, {2f}, {1.4f}};
    int[] y = {0, 1, 2, 0, 0, 2};
    return new Dataset("tiny", new ActivationShape(1, 1, 1), List.of("a", "b", "c"), x, y);
  }

  @Test
  void countsTheConfusionMatrixTopKAndPerClassAccuracy() {
    ChannelStats identity = new ChannelStats(new float[] {0}, new float[] {1});
    Evaluation e = Evaluator.evaluate(new Nearest(), data(), identity, 4, 2);
    assertArrayEquals(new int[][] {{1, 1, 1}, {0, 1, 0}, {0, 1, 1}}, e.confusion());
    assertEquals(3, e.top1Correct());
    assertEquals(0.5, e.top1());
    // image 3 (0.6, class a): b first, a second; image 4 (2.0, a): c, b, a; image 5 (1.4, c): b, c
    assertEquals(5, e.topKCorrect());
    assertEquals(List.of(new Evaluation.ClassResult("a", 1, 3), new Evaluation.ClassResult("b", 1,
        1), new Evaluation.ClassResult("c", 1, 2)), e.perClass());
  }

  @Test
  void normalisesWithTheCardsStatisticsAndRefusesBadSettings() {
    // mean 1, std 0.5: pixel 1.5 becomes 1.0 (class b)
    Dataset one = new Dataset("one", new ActivationShape(1, 1, 1), List.of("a", "b", "c"),
        new float[][] {{1.5f}}, new int[] {1});
    Evaluation e = Evaluator.evaluate(new Nearest(), one,
        new ChannelStats(new float[] {1}, new float[] {0.5f}), 1, 1);
    assertEquals(1, e.top1Correct());
    ChannelStats two = new ChannelStats(new float[] {0, 0}, new float[] {1, 1});
    assertThrows(ModelException.class, () -> Evaluator.evaluate(new Nearest(), one, two, 1, 1));
    ChannelStats ok = new ChannelStats(new float[] {0}, new float[] {1});
    assertThrows(ModelException.class, () -> Evaluator.evaluate(new Nearest(), one, ok, 0, 1));
    assertThrows(ModelException.class, () -> Evaluator.evaluate(new Nearest(), one, ok, 1, 0));
  }

  @Test
  void aDatasetAdaptsToAnotherInputSizeAndChannelCount() {
    Dataset digits = Datasets.load("digits").test();
    Dataset rgb = digits.adaptedTo(new ActivationShape(3, 8, 8));
    // grey to RGB at the same size repeats the channel exactly
    float[] g = digits.image(0);
    float[] c = rgb.image(0);
    for (int ch = 0; ch < 3; ch++) {
      assertArrayEquals(g, java.util.Arrays.copyOfRange(c, ch * 64, ch * 64 + 64));
    }
    Dataset big = digits.adaptedTo(new ActivationShape(3, 32, 32));
    assertEquals(new ActivationShape(3, 32, 32), big.shape());
    assertEquals(digits.size(), big.size());
    assertEquals(digits.label(5), big.label(5));
    assertEquals(digits, digits.adaptedTo(digits.shape()) == digits ? digits : null);
    assertThrows(ModelException.class, () -> digits.adaptedTo(new ActivationShape(2, 8, 8)));
  }
}
