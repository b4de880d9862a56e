package io.kebridge.models.data;

import io.kebridge.models.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Finds a dataset by name or path and returns its training and test parts.
 *
 * <ul>
 *   <li>{@code fashion-mnist-small} (the default): 1,000 training and 2,000 test images embedded in
 *       ke-bridge;
 *   <li>{@code digits}: the 1,797 UCI 8x8 digits, embedded, split 80/20 (stratified, fixed seed);
 *   <li>{@code fashion-mnist}: the full set from the {@code dataset-fashion-mnist} Debian package;
 *   <li>a folder of IDX files ({@code train-images-idx3-ubyte[.gz]}, {@code t10k-...});
 *   <li>a folder with {@code train/} and {@code test/} image folders, or one image folder (split
 *       80/20);
 *   <li>a CSV file of square images, one per row with the label last.
 * </ul>
 */
public final class Datasets {
  /** The embedded default. */
  public static final String DEFAULT = "fashion-mnist-small";

  /** Where the Debian package {@code dataset-fashion-mnist} installs the full data set. */
  public static final Path FASHION_MNIST_SYSTEM = Path.of("/usr/share/datasets/fashion-mnist");

  /** Fashion-MNIST's class names, in label order. */
  public static final List<String> FASHION_LABELS =
      List.of(
          "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
          "Ankle boot");

  /** Names accepted besides paths. */
  public static final List<String> NAMES = List.of("fashion-mnist-small", "digits", "fashion-mnist");

  private static final String RESOURCES = "/io/kebridge/models/data/";
  private static final long SPLIT_SEED = 20210601L;

  private Datasets() {}

  /** Loads the named or located dataset. */
  public static DataSplits load(String nameOrPath) {
    String key = nameOrPath == null ? DEFAULT : nameOrPath.trim();
    switch (key.toLowerCase(Locale.ROOT)) {
      case "fashion-mnist-small":
        return idx("fashion-mnist-small", resource("fashion-mnist-small/"), ".gz");
      case "digits":
        Dataset all =
            CsvImages.read("digits", resourceSource("digits/digits.csv.gz"), "digits.csv.gz", 16f);
        Dataset.Split split = all.split(0.2, SPLIT_SEED);
        return new DataSplits(
            renamed(split.train(), "digits[train]"), renamed(split.validation(), "digits[test]"));
      case "fashion-mnist":
        if (!Files.isDirectory(FASHION_MNIST_SYSTEM)) {
          throw new ModelException(
              "the full Fashion-MNIST is not installed: run 'apt-get install -y "
                  + "dataset-fashion-mnist' (it goes to "
                  + FASHION_MNIST_SYSTEM
                  + ") or use fashion-mnist-small");
        }
        return fromPath(FASHION_MNIST_SYSTEM, "fashion-mnist");
      default:
        return fromPath(Path.of(key), Path.of(key).getFileName().toString());
    }
  }

  private static Dataset renamed(Dataset d, String name) {
    int[] all = new int[d.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return d.select(all, name);
  }

  private static DataSplits fromPath(Path path, String name) {
    if (!Files.exists(path)) {
      throw new ModelException(
          "dataset " + path + " does not exist (known names: " + String.join(", ", NAMES) + ")");
    }
    if (Files.isRegularFile(path)) {
      String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
      if (n.endsWith(".csv") || n.endsWith(".csv.gz")) {
        Dataset all = CsvImages.read(name, () -> Files.newInputStream(path), path.toString(), 16f);
        Dataset.Split split = all.split(0.2, SPLIT_SEED);
        return new DataSplits(split.train(), split.validation());
      }
      throw new ModelException(
          "dataset file " + path + " is not a CSV file; give a folder for IDX or image data");
    }
    for (String suffix : new String[] {".gz", ""}) {
      if (Files.exists(path.resolve("train-images-idx3-ubyte" + suffix))) {
        return idx(name, path.toString() + "/", suffix);
      }
    }
    if (Files.isDirectory(path.resolve("train")) && Files.isDirectory(path.resolve("test"))) {
      Dataset train = ImageFolders.read(name + "[train]", path.resolve("train"), null);
      int[] size = {train.shape().height(), train.shape().width()};
      Dataset test = ImageFolders.read(name + "[test]", path.resolve("test"), size);
      if (!test.classNames().equals(train.classNames())) {
        throw new ModelException(
            path + ": train/ and test/ have different class folders: " + train.classNames()
                + " and " + test.classNames());
      }
      return new DataSplits(train, test);
    }
    Dataset all = ImageFolders.read(name, path, null);
    Dataset.Split split = all.split(0.2, SPLIT_SEED);
    return new DataSplits(split.train(), split.validation());
  }

  private static DataSplits idx(String name, String base, String suffix) {
    boolean embedded = base.startsWith(RESOURCES);
    IdxFiles.Source trainIm = source(base + "train-images-idx3-ubyte" + suffix, embedded);
    IdxFiles.Source trainLb = source(base + "train-labels-idx1-ubyte" + suffix, embedded);
    IdxFiles.Source testIm = source(base + "t10k-images-idx3-ubyte" + suffix, embedded);
    IdxFiles.Source testLb = source(base + "t10k-labels-idx1-ubyte" + suffix, embedded);
    String shown = embedded ? name + "/" : base;
    // Fashion-MNIST names for the embedded data and Fashion-MNIST folders, digit names otherwise.
    List<String> labels =
        name.toLowerCase(Locale.ROOT).contains("fashion") ? FASHION_LABELS : digitNames();
    Dataset train =
        IdxFiles.read(name + "[train]", trainIm, shown + "train-images-idx3-ubyte" + suffix, trainLb,
            shown + "train-labels-idx1-ubyte" + suffix, labels);
    Dataset test =
        IdxFiles.read(name + "[test]", testIm, shown + "t10k-images-idx3-ubyte" + suffix, testLb,
            shown + "t10k-labels-idx1-ubyte" + suffix, labels);
    return new DataSplits(train, test);
  }

  private static List<String> digitNames() {
    return List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
  }

  private static String resource(String relative) {
    return RESOURCES + relative;
  }

  private static IdxFiles.Source resourceSource(String relative) {
    return source(RESOURCES + relative, true);
  }

  private static IdxFiles.Source source(String location, boolean embedded) {
    if (embedded) {
      return () -> {
        InputStream in = Datasets.class.getResourceAsStream(location);
        if (in == null) {
          throw new IOException("embedded resource " + location + " is missing from the jar");
        }
        return in;
      };
    }
    Path p = Path.of(location);
    return () -> {
      if (!Files.exists(p)) {
        throw new IOException(p + " does not exist");
      }
      return Files.newInputStream(p);
    };
  }
}
