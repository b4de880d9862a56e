package io.kebridge.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.spec.ActivationShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchProducerTest {
  static final ActivationShape SHAPE = new ActivationShape(2, 4, 4);

  static Dataset data(int n) {
    float[][] images = new float[n][32];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      Arrays.fill(images[i], i / (float) n);
      labels[i] = i % 3;
    }
    return new Dataset("toy", SHAPE, List.of("a", "b", "c"), images, labels);
  }

  static Preprocessing prep(boolean augment) {
    return new Preprocessing(SHAPE, new ChannelStats(new float[] {0.5f, 0.25f},
        new float[] {0.5f, 2f}), 1, false, augment);
  }

  static List<Batch> epoch(Dataset d, boolean augment, long seed, int gen, int epoch) {
    List<Batch> out = new ArrayList<>();
    try (BatchProducer p = BatchProducer.start(d, prep(augment), 4, seed, gen, epoch)) {
      for (Batch b = p.next(); b != null; b = p.next()) {
        out.add(b);
      }
      assertNull(p.next(), "an epoch stays finished");
    }
    return out;
  }

  @Test
  void sameSeedGenerationAndEpochGiveTheSameBatches() {
    Dataset d = data(10);
    List<Batch> a = epoch(d, true, 7, 2, 3);
    List<Batch> b = epoch(d, true, 7, 2, 3);
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).nhwc(), b.get(i).nhwc());
      assertArrayEquals(a.get(i).labels(), b.get(i).labels());
    }
    List<Batch> other = epoch(d, true, 7, 2, 4);
    assertFalse(Arrays.equals(a.get(0).nhwc(), other.get(0).nhwc()), "the next epoch reshuffles");
  }

  @Test
  void everyImageAppearsOnceAndALoneLastImageIsDropped() {
    Dataset d = data(9); // 4 + 4 + a lone image, dropped for batch-norm's sake
    List<Batch> batches = epoch(d, false, 1, 1, 0);
    assertEquals(2, batches.size());
    assertEquals(2, BatchProducer.batchesPerEpoch(9, 4));
    assertEquals(3, BatchProducer.batchesPerEpoch(10, 4));
    float[] seen = new float[8];
    int k = 0;
    for (Batch b : batches) {
      for (int i = 0; i < b.size(); i++) {
        // channel 0 of pixel 0, un-normalised: the image index / 9
        seen[k++] = b.nhwc()[i * 32] * 0.5f + 0.5f;
      }
    }
    Arrays.sort(seen);
    for (int i = 1; i < seen.length; i++) {
      assertFalse(seen[i] == seen[i - 1], "no image twice in an epoch");
    }
  }

  @Test
  void evaluationNormalisesPerChannelIntoNhwc() {
    float[] chw = new float[32];
    Arrays.fill(chw, 0, 16, 1f); // channel 0 = 1, channel 1 = 0
    float[] out = new float[32];
    prep(true).eval(chw, out, 0);
    for (int p = 0; p < 16; p++) {
      assertEquals((1f - 0.5f) / 0.5f, out[p * 2], 1e-6f);
      assertEquals((0f - 0.25f) / 2f, out[p * 2 + 1], 1e-6f);
    }
  }

  @Test
  void randomCropShiftsTheImageInsideZeroPadding() {
    float[] chw = new float[32];
    for (int i = 0; i < 16; i++) {
      chw[i] = 1f; // channel 0 all ones: a shifted crop shows a row or column of padding
    }
    Preprocessing p = prep(true);
    SplittableRandom r = new SplittableRandom(3);
    boolean sawPadding = false;
    for (int t = 0; t < 20; t++) {
      float[] out = new float[32];
      p.train(chw, r, out, 0);
      for (int px = 0; px < 16; px++) {
        float v = out[px * 2];
        // either an image pixel (1) or padding (0), both normalised
        boolean image = Math.abs(v - 1f) < 1e-6f;
        boolean pad = Math.abs(v + 1f) < 1e-6f;
        assertEquals(true, image || pad);
        sawPadding |= pad;
      }
    }
    assertEquals(true, sawPadding);
  }

  @Test
  void largeImagesGetARandomResizedCropThatStaysInsideThePixelRange() {
    ActivationShape big = new ActivationShape(1, 64, 64);
    float[] chw = new float[64 * 64];
    for (int i = 0; i < chw.length; i++) {
      chw[i] = (i % 64) / 63f; // a horizontal ramp from 0 to 1
    }
    Preprocessing p = new Preprocessing(big, new ChannelStats(new float[] {0f}, new float[] {1f}),
        -1, true, true);
    SplittableRandom r = new SplittableRandom(5);
    float[] first = null;
    boolean differs = false;
    for (int t = 0; t < 5; t++) {
      float[] out = new float[chw.length];
      p.train(chw, r, out, 0);
      for (float v : out) {
        assertEquals(true, v >= -1e-6f && v <= 1 + 1e-6f, "bilinear samples stay in [0, 1]");
      }
      if (first == null) {
        first = out;
      } else {
        differs |= !Arrays.equals(first, out);
      }
    }
    assertEquals(true, differs, "each draw crops differently");
  }
}
