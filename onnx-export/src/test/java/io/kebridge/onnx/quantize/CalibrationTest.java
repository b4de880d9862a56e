package io.kebridge.onnx.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Datasets;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.OnnxFormat;
import io.kebridge.onnx.runtime.OrtSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Calibration: seeded and repeatable, each method's range, and clear errors. */
class CalibrationTest {
  private static final DataSplits DIGITS = Datasets.load("digits");
  private final ModelProto model = Graphs.of(5, (g, x) -> g.relu(g.conv(x, 4, 3, 1)));

  @Test
  void theSameSeedDrawsTheSameImagesAndAnotherSeedOthers() {
    var norm = DIGITS.train().stats();
    CalibrationSet a = CalibrationSet.fromDataset(DIGITS.train(), norm, 50, 3);
    CalibrationSet b = CalibrationSet.fromDataset(DIGITS.train(), norm, 50, 3);
    CalibrationSet c = CalibrationSet.fromDataset(DIGITS.train(), norm, 50, 4);
    assertEquals(50, a.size());
    assertEquals("50 images of digits[train] (stratified, seed 3)", a.description());
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.images()[i], b.images()[i]);
    }
    boolean differs = false;
    for (int i = 0; i < a.size(); i++) {
      differs |= !java.util.Arrays.equals(a.images()[i], c.images()[i]);
    }
    assertTrue(differs, "seed 4 drew the same images as seed 3");
    // normalised with the card's statistics: the images are no longer in [0, 1]
    float min = Float.MAX_VALUE;
    for (float[] im : a.images()) {
      for (float v : im) {
        min = Math.min(min, v);
      }
    }
    assertTrue(min < 0, "images were not normalised");
  }

  @Test
  void quantisingTwiceWithTheSameCalibrationGivesTheSameBytes() {
    CalibrationSet set = new CalibrationSet(Graphs.images(20, 9), "noise");
    for (CalibrationMethod m : List.of(new CalibrationMethod.MinMax(),
        new CalibrationMethod.Percentile(99.9), new CalibrationMethod.Entropy())) {
      QuantizationSettings s = QuantizationSettings.defaults().withMethod(m);
      byte[] first = Quantizer.quantize(model, set, s, OrtSettings.defaults()).model().toByteArray();
      // another thread count and batch order must not change a byte
      CalibrationSet reversed = new CalibrationSet(reverse(set.images()), "noise");
      byte[] second = Quantizer.quantize(model, reversed, s, OrtSettings.defaults().withThreads(1))
          .model().toByteArray();
      assertArrayEquals(first, second, m.describe());
    }
    Map<String, QuantParams> other = Quantizer.quantize(model,
        new CalibrationSet(Graphs.images(20, 10), "noise"), QuantizationSettings.defaults(),
        OrtSettings.defaults()).activations();
    Map<String, QuantParams> same = Quantizer.quantize(model, set,
        QuantizationSettings.defaults(), OrtSettings.defaults()).activations();
    assertNotEquals(same.get("relu2"), other.get("relu2"));
  }

  @Test
  void percentileAndEntropyCutAnOutlierThatMinMaxKeepsAndTheInputKeepsItsRange() {
    float[][] images = Graphs.images(16, 2);
    images[3][7] = 50f; // one pixel far outside the [-2, 2] of all others
    CalibrationSet set = new CalibrationSet(images, "noise with an outlier");
    List<String> values = List.of(OnnxFormat.INPUT, "relu2");
    Map<String, TensorRange> minMax = Calibrator.ranges(model, values, set,
        new CalibrationMethod.MinMax(), OrtSettings.defaults());
    for (CalibrationMethod m : List.of(new CalibrationMethod.Percentile(99),
        new CalibrationMethod.Entropy())) {
      Map<String, TensorRange> r = Calibrator.ranges(model, values, set, m, OrtSettings.defaults());
      // pixels are bounded: the image input is never clipped
      assertEquals(minMax.get(OnnxFormat.INPUT), r.get(OnnxFormat.INPUT), m.describe());
      assertEquals(50f, r.get(OnnxFormat.INPUT).max());
      // the 36 values the outlier reaches through a 3x3 conv are cut from the ReLU's range
      assertTrue(r.get("relu2").max() < minMax.get("relu2").max() / 2,
          m.describe() + ": " + r.get("relu2") + " vs " + minMax.get("relu2"));
      assertEquals(0f, r.get("relu2").min());
    }
  }

  @Test
  void histogramQuantilesAndEntropyThresholdsAreWhereTheMassIs() {
    Histogram h = new Histogram(0, 10, Histogram.Side.ALL);
    float[] v = new float[100_000];
    java.util.SplittableRandom r = new java.util.SplittableRandom(1);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 4); // uniform on [0, 4]
    }
    v[0] = 10f; // a lone outlier at the top of the range
    h.add(v);
    assertEquals(2.0, h.quantile(0.5), 0.02);
    assertEquals(4.0, h.quantile(0.9999), 0.02);
    double t = h.entropyThreshold(255);
    assertTrue(t > 3.9 && t < 4.5, "entropy threshold " + t);
    // one sign at a time: the magnitudes of the negative values only
    Histogram negative = new Histogram(0, 4, Histogram.Side.NEGATIVE);
    negative.add(new float[] {-1f, -1f, -3f, 2f, 2f, 2f, 0f});
    assertEquals(1.0, negative.quantile(0.5), 0.01);
  }

  @Test
  void theZerosOfAReluDoNotPullTheEntropyThresholdDown() {
    // a ReLU's output: half the values exactly 0, the rest decaying (exponential, mean 0.5)
    float[] v = new float[200_000];
    java.util.SplittableRandom r = new java.util.SplittableRandom(2);
    float max = 0;
    for (int i = 0; i < v.length; i += 2) {
      v[i + 1] = (float) (-0.5 * Math.log(1 - r.nextDouble()));
      max = Math.max(max, v[i + 1]);
    }
    Histogram skipping = new Histogram(0, max, Histogram.Side.POSITIVE);
    skipping.add(v);
    Histogram counting = new Histogram(0, max, Histogram.Side.ALL);
    counting.add(v);
    double kept = skipping.entropyThreshold(255);
    double cut = counting.entropyThreshold(255);
    // 99.9% of an exponential of mean 0.5 lies below 3.45
    assertTrue(kept > 2.5, "threshold " + kept + " of " + max);
    assertTrue(cut < kept / 2, "counting the zeros gave " + cut + ", skipping them " + kept);
  }

  @Test
  void methodsParseFromTheirOwnDescription() {
    for (String s : List.of("minmax", "percentile:99.99", "percentile:100", "entropy")) {
      assertEquals(s, CalibrationMethod.parse(s).describe());
    }
    assertTrue(assertThrows(OnnxException.class, () -> CalibrationMethod.parse("kl"))
        .getMessage().contains("expected minmax, percentile:P"));
    assertTrue(assertThrows(OnnxException.class, () -> CalibrationMethod.parse("percentile:40"))
        .getMessage().contains("above 50"));
    assertTrue(assertThrows(OnnxException.class, () -> CalibrationMethod.parse("percentile:x"))
        .getMessage().contains("'x' is not a number"));
  }

  @Test
  void zeroCalibrationImagesIsAClearError() {
    OnnxException e = assertThrows(OnnxException.class, () -> CalibrationSet.fromDataset(
        DIGITS.train(), DIGITS.train().stats(), 0, 0));
    assertTrue(e.getMessage().startsWith("no calibration images"), e.getMessage());
    assertThrows(OnnxException.class, () -> new CalibrationSet(new float[0][], "none"));
  }

  @Test
  void aModelThatComputesNanOnTheCalibrationImagesIsNamed() {
    ModelProto broken = Graphs.of(5, (g, x) -> {
      String c = g.conv(x, 4, 3, 1);
      String nan = g.builder().initializer("nan", new int[0], new float[] {Float.NaN});
      return g.relu(g.builder().node("Mul", "poison", List.of(c, nan), List.of("poisoned")));
    });
    // Mul has no INT8 form: the refusal comes first and names it
    assertTrue(assertThrows(OnnxException.class, () -> Quantizer.checkSupported(broken))
        .getMessage().contains("'poison' (Mul)"));
    ModelProto nanWeights = model.toBuilder().setGraph(model.getGraph().toBuilder()
        .setInitializer(0, io.kebridge.onnx.graph.TensorProtos.floats("conv1.weight",
            new int[] {4, 4, 3, 3}, filled(144, Float.NaN)))).build();
    OnnxException e = assertThrows(OnnxException.class, () -> Quantizer.quantize(nanWeights,
        new CalibrationSet(Graphs.images(2, 1), "noise"), QuantizationSettings.defaults(),
        OrtSettings.defaults()));
    assertTrue(e.getMessage().contains("infinite or NaN values in relu2"), e.getMessage());
  }

  private static float[] filled(int n, float v) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, v);
    return a;
  }

  private static float[][] reverse(float[][] a) {
    float[][] r = new float[a.length][];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[a.length - 1 - i];
    }
    return r;
  }
}
