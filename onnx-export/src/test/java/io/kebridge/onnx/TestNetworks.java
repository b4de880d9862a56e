package io.kebridge.onnx;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Small networks, cards and inputs shared by the tests. */
public final class TestNetworks {
  private TestNetworks() {}

  /** A small-cnn of base width 4 on 1x8x8 images with 10 classes. */
  public static NetworkSpec smallCnn() {
    return Architectures.build(
        "small-cnn", new ArchitectureConfig(new ActivationShape(1, 8, 8), 10, 4, null));
  }

  /** A card for {@code spec} with digit labels and simple normalisation. */
  public static ModelCard card(NetworkSpec spec) {
    ActivationShape in = spec.input().shape();
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < spec.classes(); i++) {
      labels.add("class-" + i);
    }
    float[] mean = new float[in.channels()];
    float[] std = new float[in.channels()];
    Arrays.fill(mean, 0.5f);
    Arrays.fill(std, 0.25f);
    return new ModelCard(spec.architecture(), NetworkKind.DENSE, "kels:0.5", 3, labels, in,
        "NCHW", mean, std,
        0.875, "0.1.0-test", Map.of("provenance.seed", "7"));
  }

  /** {@code n} standard-normal images of the network's input shape. */
  public static float[][] images(NetworkSpec spec, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int size = (int) spec.input().shape().elements();
    float[][] out = new float[n][size];
    for (float[] im : out) {
      for (int i = 0; i < size; i++) {
        double u1 = 1.0 - r.nextDouble();
        im[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * r.nextDouble()));
      }
    }
    return out;
  }

  /** Largest absolute difference between two batches of logits. */
  public static double maxAbsDiff(float[][] a, float[][] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        m = Math.max(m, Math.abs((double) a[i][j] - b[i][j]));
      }
    }
    return m;
  }

  /** Largest absolute value in a batch of logits. */
  public static double maxAbs(float[][] a) {
    double m = 0;
    for (float[] row : a) {
      for (float v : row) {
        m = Math.max(m, Math.abs(v));
      }
    }
    return m;
  }
}
