package io.kebridge.onnx.quantize;

import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.onnx.OnnxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The images activation ranges are measured on, normalised as the model expects them, and a line
 * that says where they came from (written into the model card).
 *
 * @param images normalised, channel-major images in the model's input shape
 * @param description for example {@code "digits train, 256 images (stratified, seed 0)"}
 */
public record CalibrationSet(float[][] images, String description) {

  public CalibrationSet {
    if (images == null || images.length == 0) {
      throw new OnnxException("no calibration images: INT8 activation ranges are measured on"
          + " images, so calibration needs at least one (256 training images is the default)");
    }
    images = images.clone();
  }

  /** How many images there are. */
  public int size() {
    return images.length;
  }

  @Override
  public float[][] images() {
    return images.clone();
  }

  /**
   * {@code count} training images, every class alike as far as they go, drawn with {@code seed},
   * then normalised with the model card's statistics: the same seed always gives the same images.
   */
  public static CalibrationSet fromDataset(
      Dataset train, ChannelStats normalization, int count, long seed) {
    if (count <= 0) {
      throw new OnnxException("no calibration images: asked for " + count + "; INT8 activation"
          + " ranges are measured on images, so calibration needs at least one (default 256)");
    }
    int perClass = Math.max(1, (count + train.classes() - 1) / train.classes());
    Dataset sample = train.samplePerClass(perClass, seed);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < sample.size(); i++) {
      order.add(i);
    }
    // classes with fewer images than their share leave room; a seeded shuffle decides who fills it
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    for (int i = order.size() - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      Integer t = order.get(i);
      order.set(i, order.get(j));
      order.set(j, t);
    }
    int n = Math.min(count, sample.size());
    float[][] images = new float[n][];
    for (int i = 0; i < n; i++) {
      images[i] = normalization.normalize(sample.image(order.get(i)));
    }
    return new CalibrationSet(images, String.format(Locale.ROOT,
        "%d images of %s (stratified, seed %d)", n, train.name(), seed));
  }

  /**
   * {@code count} images of standard-normal noise: enough for a latency benchmark of a model with
   * random weights, whose ranges need no real data; never for a model whose accuracy matters.
   */
  public static CalibrationSet synthetic(ActivationShape shape, int count, long seed) {
    if (count <= 0) {
      throw new OnnxException("no calibration images: asked for " + count + " synthetic images");
    }
    SplittableRandom r = new SplittableRandom(seed);
    int size = (int) shape.elements();
    float[][] images = new float[count][size];
    for (float[] im : images) {
      for (int i = 0; i < size; i++) {
        double u = 1.0 - r.nextDouble();
        im[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()));
      }
    }
    return new CalibrationSet(images, String.format(Locale.ROOT,
        "synthetic, %d standard-normal images (seed %d)", count, seed));
  }
}
