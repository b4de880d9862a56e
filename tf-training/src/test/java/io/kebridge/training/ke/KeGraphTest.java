package io.kebridge.training.ke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.Mask;
import io.kebridge.models.split.WelsPlan;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.graph.TfDevice;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeGraphTest {
  static final KeGraph.Settings SETTINGS =
      new KeGraph.Settings(0.9, 1e-4, 0.1, ReinitRule.REFERENCE, 0.5, TfDevice.CPU, 0);
  /** For splits without a slim network (WELS, LLF). */
  static final KeGraph.Settings NO_SLIM =
      new KeGraph.Settings(0.9, 1e-4, 0.1, ReinitRule.REFERENCE, null, TfDevice.CPU, 0);

  static NetworkSpec resnet() {
    return Architectures.build(
        "resnet18",
        new ArchitectureConfig(
            new ActivationShape(1, 16, 16), 3, 4, ArchitectureConfig.Stem.IMAGENET));
  }

  static float[] batch(int n, int per, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n * per];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  private static void trainSteps(KeGraph g, int steps) {
    for (int s = 0; s < steps; s++) {
      int per = (int) g.spec().input().shape().elements();
      KeGraph.StepResult r =
          g.train(batch(8, per, s), new int[] {0, 1, 2, 0, 1, 2, 0, 1}, 8, 0.1f, 0, s);
      assertTrue(Float.isFinite(r.loss()), "loss is finite");
    }
  }

  @Test
  void masksNeverChangeDuringTraining() {
    NetworkSpec spec = resnet();
    Map<String, Mask> masks = new WelsPlan(0.5, 3).masks(spec);
    try (KeGraph g = KeGraph.build(spec, NO_SLIM)) {
      g.loadWeights(WeightInit.heNormal(spec, 1));
      g.loadMasks(masks);
      g.resetMomentum();
      trainSteps(g, 3);
      assertEquals(masks, g.readMasks());
    }
    try (KeGraph g = KeGraph.build(spec, SETTINGS)) {
      // a graph that evaluates the kels:0.5 slim network refuses another split's masks
      var e = org.junit.jupiter.api.Assertions.assertThrows(
          io.kebridge.training.TrainingException.class, () -> g.loadMasks(masks));
      assertTrue(e.getMessage().contains("kels:0.5"), e.getMessage());
    }
  }

  @Test
  void reinitChangesExactlyTheResetEntriesAndKeepsBatchNormAndBiases() {
    NetworkSpec spec =
        Architectures.build(
            "small-cnn", new ArchitectureConfig(new ActivationShape(1, 8, 8), 3, 4, null));
    Map<String, Mask> masks = new KelsPlan(0.5).masks(spec);
    try (KeGraph g = KeGraph.build(spec, SETTINGS)) {
      g.loadWeights(WeightInit.randomized(spec, 1));
      g.loadMasks(masks);
      g.resetMomentum();
      trainSteps(g, 2);
      Weights before = g.readWeights();
      g.reinitialise(42, 2);
      Weights after = g.readWeights();
      for (ParamSpec p : spec.params()) {
        float[] b = before.get(p.name()).data();
        float[] a = after.get(p.name()).data();
        if (!p.kind().maskable()) {
          assertArrayEquals(b, a, 0f, p.name() + " (batch-norm or bias) is untouched");
          continue;
        }
        Mask m = masks.get(p.name());
        int[] s = p.shape();
        int fanIn = 1;
        for (int i = 1; i < s.length; i++) {
          fanIn *= s[i];
        }
        double bound = 1 / Math.sqrt(fanIn);
        for (int i = 0; i < a.length; i++) {
          if (m.isFit(i)) {
            assertEquals(Float.floatToRawIntBits(b[i]), Float.floatToRawIntBits(a[i]),
                p.name() + "[" + i + "] is fit and stays bit-identical");
          } else {
            assertNotEquals(b[i], a[i], p.name() + "[" + i + "] is reset");
            assertTrue(Math.abs(a[i]) <= bound, "reference init stays in +-1/sqrt(fan_in)");
          }
        }
      }
    }
  }

  @Test
  void reinitZeroesMomentumAndIsReproducibleFromSeedAndGeneration() {
    NetworkSpec spec = resnet();
    Map<String, Mask> masks = new KelsPlan(0.5).masks(spec);
    Weights start = WeightInit.heNormal(spec, 1);
    Weights[] results = new Weights[2];
    for (int run = 0; run < 2; run++) {
      try (KeGraph g = KeGraph.build(spec, SETTINGS)) {
        g.loadWeights(start);
        g.loadMasks(masks);
        g.resetMomentum();
        trainSteps(g, 1);
        boolean anyMomentum =
            g.readMomentum().values().stream().anyMatch(v -> maxAbs(v) > 0);
        assertTrue(anyMomentum, "training fills the momentum buffers");
        g.reinitialise(7, 3);
        for (Map.Entry<String, float[]> e : g.readMomentum().entrySet()) {
          assertEquals(0f, maxAbs(e.getValue()), e.getKey() + " momentum is zeroed");
        }
        results[run] = g.readWeights();
      }
    }
    Tensor a = results[0].get("layer4.1.conv2.weight");
    Tensor b = results[1].get("layer4.1.conv2.weight");
    assertEquals(a, b);
  }

  @Test
  void slimEvaluationIgnoresTheResetHypothesis() {
    NetworkSpec spec =
        Architectures.build(
            "small-cnn", new ArchitectureConfig(new ActivationShape(1, 8, 8), 3, 4, null));
    Map<String, Mask> masks = new KelsPlan(0.5).masks(spec);
    float[] x = batch(16, 64, 5);
    try (KeGraph g = KeGraph.build(spec, SETTINGS)) {
      Weights w = WeightInit.randomized(spec, 3);
      g.loadWeights(w);
      g.loadMasks(masks);
      int[] slim = g.predict(x, 16, true);
      g.reinitialise(1, 2);
      assertArrayEquals(slim, g.predict(x, 16, true), "the slim net does not see reset weights");
      int[][] both = g.predictDenseAndSlim(x, 16);
      assertArrayEquals(g.predict(x, 16, false), both[0], "dense, fetched beside slim");
      assertArrayEquals(slim, both[1], "slim, fetched beside dense");
    }
  }

  @Test
  void badBatchesAreRefusedBeforeReachingTensorFlow() {
    NetworkSpec spec =
        Architectures.build(
            "small-cnn", new ArchitectureConfig(new ActivationShape(1, 8, 8), 3, 4, null));
    try (KeGraph g = KeGraph.build(spec, SETTINGS)) {
      g.loadWeights(WeightInit.heNormal(spec, 1));
      g.loadMasks(new KelsPlan(0.5).masks(spec));
      g.resetMomentum();
      var label = org.junit.jupiter.api.Assertions.assertThrows(
          io.kebridge.training.TrainingException.class,
          () -> g.train(batch(2, 64, 1), new int[] {0, 3}, 2, 0.1f, 0, 0));
      assertTrue(label.getMessage().contains("label 3"), label.getMessage());
      var size = org.junit.jupiter.api.Assertions.assertThrows(
          io.kebridge.training.TrainingException.class,
          () -> g.predict(batch(2, 63, 1), 2, false));
      assertTrue(size.getMessage().contains("needs 128 values"), size.getMessage());
    }
    KeGraph closed = KeGraph.build(spec, SETTINGS);
    closed.close();
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalStateException.class, () -> closed.predict(batch(1, 64, 1), 1, false));
  }

  static float maxAbs(float[] v) {
    float m = 0;
    for (float f : v) {
      m = Math.max(m, Math.abs(f));
    }
    return m;
  }
}
