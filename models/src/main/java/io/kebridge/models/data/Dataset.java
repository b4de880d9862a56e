package io.kebridge.models.data;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Labelled images in memory: each image channel-major ({@code C x H x W}) with pixel values scaled
 * to [0, 1]. Immutable in use: the selection methods return new datasets that share image arrays.
 */
public final class Dataset {
  private final String name;
  private final ActivationShape shape;
  private final List<String> classNames;
  private final float[][] images;
  private final int[] labels;

  /**
   * @param images one array of {@code shape.elements()} values in [0, 1] per image
   * @param labels class index per image, in {@code [0, classNames.size())}
   */
  public Dataset(
      String name, ActivationShape shape, List<String> classNames, float[][] images, int[] labels) {
    this.name = Objects.requireNonNull(name);
    this.shape = Objects.requireNonNull(shape);
    this.classNames = List.copyOf(classNames);
    if (images.length != labels.length) {
      throw new ModelException(
          name + ": " + images.length + " images but " + labels.length + " labels");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= this.classNames.size()) {
        throw new ModelException(
            name + ": label " + labels[i] + " of image " + i + " is outside the "
                + this.classNames.size() + " classes");
      }
      if (images[i].length != shape.elements()) {
        throw new ModelException(
            name + ": image " + i + " has " + images[i].length + " values, expected " + shape);
      }
    }
    this.images = images;
    this.labels = labels;
  }

  public String name() {
    return name;
  }

  /** Shape of one image (channels, height, width). */
  public ActivationShape shape() {
    return shape;
  }

  public List<String> classNames() {
    return classNames;
  }

  public int classes() {
    return classNames.size();
  }

  public int size() {
    return labels.length;
  }

  /** The pixels of image {@code i}; do not modify. */
  public float[] image(int i) {
    return images[i];
  }

  public int label(int i) {
    return labels[i];
  }

  /** Number of images of each class. */
  public int[] countsPerClass() {
    int[] counts = new int[classes()];
    for (int l : labels) {
      counts[l]++;
    }
    return counts;
  }

  /** The images at {@code indices}, in that order. */
  public Dataset select(int[] indices, String newName) {
    float[][] im = new float[indices.length][];
    int[] lb = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      im[i] = images[indices[i]];
      lb[i] = labels[indices[i]];
    }
    return new Dataset(newName, shape, classNames, im, lb);
  }

  /**
   * At most {@code perClass} images of every class, drawn with {@code seed}, in the original order
   * of the data (so the same seed always selects the same images).
   */
  public Dataset samplePerClass(int perClass, long seed) {
    if (perClass <= 0) {
      throw new ModelException("images per class must be positive, got " + perClass);
    }
    List<Integer>[] byClass = byClass();
    SplittableRandom random = new SplittableRandom(seed);
    List<Integer> chosen = new ArrayList<>();
    for (List<Integer> members : byClass) {
      List<Integer> shuffled = new ArrayList<>(members);
      shuffle(shuffled, random);
      chosen.addAll(shuffled.subList(0, Math.min(perClass, shuffled.size())));
    }
    int[] idx = chosen.stream().mapToInt(Integer::intValue).sorted().toArray();
    return select(idx, name + "[" + perClass + "/class]");
  }

  /**
   * These images as a network with input {@code target} takes them: unchanged when the shapes
   * agree; a grey image feeds a three-channel network by repeating its channel (exactly); other
   * sizes are centre-cropped to the target's aspect ratio and resized bilinearly, as {@code ke
   * data} does for image folders ({@link ImageFolders#toInput}), which goes through 8-bit pixels.
   *
   * @throws ModelException for channel counts other than 1, 3 or equal ones
   */
  public Dataset adaptedTo(ActivationShape target) {
    if (target.equals(shape)) {
      return this;
    }
    int from = shape.channels();
    int to = target.channels();
    if (from != to && !(from == 1 && to == 3) && !(from == 3 && to == 1)) {
      throw new ModelException(name + " has " + from + "-channel images, the network takes " + to
          + " channels; only grey to RGB (repeated) and RGB to grey (luma) are converted");
    }
    float[][] out = new float[images.length][];
    boolean sameSize = target.height() == shape.height() && target.width() == shape.width();
    for (int i = 0; i < images.length; i++) {
      out[i] = sameSize && from == 1
          ? repeatChannel(images[i], to)
          : ImageFolders.toInput(ImageFolders.picture(images[i], shape), to, target.height(),
              target.width());
    }
    return new Dataset(name + "[" + target + "]", target, classNames, out, labels);
  }

  private static float[] repeatChannel(float[] grey, int channels) {
    float[] out = new float[grey.length * channels];
    for (int c = 0; c < channels; c++) {
      System.arraycopy(grey, 0, out, c * grey.length, grey.length);
    }
    return out;
  }

  /** A train/validation pair. */
  public record Split(Dataset train, Dataset validation) {}

  /**
   * Splits off a stratified validation part: {@code fraction} of every class (at least one image
   * of each class that has two or more), drawn with {@code seed}.
   */
  public Split split(double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new ModelException("validation fraction must be in (0, 1), got " + fraction);
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<Integer> train = new ArrayList<>();
    List<Integer> val = new ArrayList<>();
    for (List<Integer> members : byClass()) {
      List<Integer> shuffled = new ArrayList<>(members);
      shuffle(shuffled, random);
      int n = (int) Math.round(shuffled.size() * fraction);
      if (n == 0 && shuffled.size() >= 2) {
        n = 1;
      }
      val.addAll(shuffled.subList(0, n));
      train.addAll(shuffled.subList(n, shuffled.size()));
    }
    return new Split(
        select(train.stream().mapToInt(Integer::intValue).sorted().toArray(), name + "[train]"),
        select(val.stream().mapToInt(Integer::intValue).sorted().toArray(), name + "[val]"));
  }

  /** Per-channel mean and standard deviation of the pixel values (population). */
  public ChannelStats stats() {
    int c = shape.channels();
    int hw = shape.height() * shape.width();
    double[] sum = new double[c];
    double[] sq = new double[c];
    for (float[] im : images) {
      for (int ch = 0; ch < c; ch++) {
        for (int j = ch * hw; j < (ch + 1) * hw; j++) {
          sum[ch] += im[j];
          sq[ch] += (double) im[j] * im[j];
        }
      }
    }
    double n = (double) hw * Math.max(1, images.length);
    float[] mean = new float[c];
    float[] std = new float[c];
    for (int ch = 0; ch < c; ch++) {
      double m = sum[ch] / n;
      mean[ch] = (float) m;
      std[ch] = (float) Math.sqrt(Math.max(sq[ch] / n - m * m, 0));
    }
    return new ChannelStats(mean, std);
  }

  @SuppressWarnings("unchecked")
  private List<Integer>[] byClass() {
    List<Integer>[] by = new List[classes()];
    for (int k = 0; k < by.length; k++) {
      by[k] = new ArrayList<>();
    }
    for (int i = 0; i < labels.length; i++) {
      by[labels[i]].add(i);
    }
    return by;
  }

  private static void shuffle(List<Integer> list, SplittableRandom random) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      Integer t = list.get(i);
      list.set(i, list.get(j));
      list.set(j, t);
    }
  }

  @Override
  public String toString() {
    return "Dataset[" + name + ", " + size() + " images " + shape + ", " + classes() + " classes, "
        + Arrays.toString(countsPerClass()) + "]";
  }
}
