package io.kebridge.training.data;

import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.training.TrainingException;
import java.util.SplittableRandom;

/**
 * Turns dataset images ({@code C x H x W}, pixels in [0, 1]) into network input: training-time
 * augmentation, then normalisation with the training set's per-channel mean and std, then NHWC
 * packing. Augmentation, as the KE reference for each image size:
 *
 * <ul>
 *   <li>small images (under 64 pixels): random crop after zero padding of {@code cropPadding}
 *       pixels (CIFAR's 4 at 32 pixels; {@code -1} picks size/8);
 *   <li>large images: random resized crop (area 8%-100%, aspect 3/4-4/3, bilinear);
 *   <li>horizontal flip when enabled: off by default, since a flipped digit or letter is another
 *       symbol.
 * </ul>
 *
 * Images already have the network's size, so evaluation only normalises (the resize and centre
 * crop of the reference happen when a dataset is loaded at the network size).
 */
public final class Preprocessing {
  private static final int LARGE = 64;

  private final ActivationShape shape;
  private final float[] mean;
  private final float[] std;
  private final int padding;
  private final boolean flip;
  private final boolean augment;

  /**
   * @param cropPadding zero padding before the random crop; -1 for size/8
   * @param augment false to switch augmentation off entirely
   */
  public Preprocessing(
      ActivationShape shape, ChannelStats stats, int cropPadding, boolean flip, boolean augment) {
    this.shape = shape;
    this.mean = stats.mean();
    this.std = stats.std(); // a constant channel already has std 1 (ChannelStats)
    if (mean.length != shape.channels()) {
      throw new TrainingException(
          "normalisation has " + mean.length + " channels, images have " + shape.channels());
    }
    int size = Math.min(shape.height(), shape.width());
    this.padding = cropPadding < 0 ? Math.max(1, Math.round(size / 8f)) : cropPadding;
    this.flip = flip;
    this.augment = augment;
  }

  public ActivationShape shape() {
    return shape;
  }

  /** Writes the augmented, normalised image into {@code dst} at {@code offset} (NHWC). */
  public void train(float[] chw, SplittableRandom random, float[] dst, int offset) {
    if (!augment) {
      eval(chw, dst, offset);
      return;
    }
    int c = shape.channels();
    int h = shape.height();
    int w = shape.width();
    boolean mirror = flip && random.nextBoolean();
    if (Math.min(h, w) >= LARGE) {
      resizedCrop(chw, random, mirror, dst, offset);
      return;
    }
    int dy = random.nextInt(2 * padding + 1) - padding;
    int dx = random.nextInt(2 * padding + 1) - padding;
    for (int y = 0; y < h; y++) {
      int sy = y + dy;
      for (int x = 0; x < w; x++) {
        int sx = (mirror ? w - 1 - x : x) + dx;
        int o = offset + (y * w + x) * c;
        boolean inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        for (int ch = 0; ch < c; ch++) {
          float v = inside ? chw[(ch * h + sy) * w + sx] : 0f;
          dst[o + ch] = (v - mean[ch]) / std[ch];
        }
      }
    }
  }

  private void resizedCrop(
      float[] chw, SplittableRandom random, boolean mirror, float[] dst, int offset) {
    int c = shape.channels();
    int h = shape.height();
    int w = shape.width();
    double area = (double) h * w;
    int ch0 = h;
    int cw0 = w;
    int y0 = 0;
    int x0 = 0;
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = area * (0.08 + random.nextDouble() * 0.92);
      double ratio = Math.exp(Math.log(3 / 4.0) + random.nextDouble() * Math.log(16 / 9.0));
      int cw = (int) Math.round(Math.sqrt(target * ratio));
      int chh = (int) Math.round(Math.sqrt(target / ratio));
      if (cw > 0 && chh > 0 && cw <= w && chh <= h) {
        ch0 = chh;
        cw0 = cw;
        y0 = random.nextInt(h - chh + 1);
        x0 = random.nextInt(w - cw + 1);
        break;
      }
    }
    for (int y = 0; y < h; y++) {
      double sy = y0 + (y + 0.5) * ch0 / h - 0.5;
      int ya = (int) Math.floor(sy);
      double fy = sy - ya;
      int yl = clamp(ya, h);
      int yh = clamp(ya + 1, h);
      for (int x = 0; x < w; x++) {
        int xx = mirror ? w - 1 - x : x;
        double sx = x0 + (xx + 0.5) * cw0 / w - 0.5;
        int xa = (int) Math.floor(sx);
        double fx = sx - xa;
        int xl = clamp(xa, w);
        int xh = clamp(xa + 1, w);
        int o = offset + (y * w + x) * c;
        for (int k = 0; k < c; k++) {
          int base = k * h * w;
          double v =
              (1 - fy) * ((1 - fx) * chw[base + yl * w + xl] + fx * chw[base + yl * w + xh])
                  + fy * ((1 - fx) * chw[base + yh * w + xl] + fx * chw[base + yh * w + xh]);
          dst[o + k] = ((float) v - mean[k]) / std[k];
        }
      }
    }
  }

  private static int clamp(int v, int n) {
    return Math.max(0, Math.min(n - 1, v));
  }

  /** Writes the normalised image (no augmentation) into {@code dst} at {@code offset} (NHWC). */
  public void eval(float[] chw, float[] dst, int offset) {
    int c = shape.channels();
    int hw = shape.height() * shape.width();
    for (int ch = 0; ch < c; ch++) {
      int src = ch * hw;
      float m = mean[ch];
      float s = std[ch];
      for (int p = 0; p < hw; p++) {
        // divided, not multiplied by 1/std, to match other ke-bridge evaluators bit for bit
        dst[offset + p * c + ch] = (chw[src + p] - m) / s;
      }
    }
  }
}
