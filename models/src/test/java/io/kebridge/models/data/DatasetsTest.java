package io.kebridge.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

  @Test
  void theEmbeddedFashionSubsetHasItsDocumentedSizes() {
    DataSplits d = Datasets.load("fashion-mnist-small");
    assertEquals(new ActivationShape(1, 28, 28), d.train().shape());
    assertEquals(1000, d.train().size());
    assertEquals(2000, d.test().size());
    int[] hundred = new int[10];
    Arrays.fill(hundred, 100);
    assertArrayEquals(hundred, d.train().countsPerClass());
    assertEquals("Ankle boot", d.train().classNames().get(9));
    float[] im = d.train().image(0);
    for (float v : im) {
      assertTrue(v >= 0 && v <= 1);
    }
  }

  @Test
  void theEmbeddedDigitsSplitIntoTrainAndTest() {
    DataSplits d = Datasets.load("digits");
    assertEquals(1797, d.train().size() + d.test().size());
    assertEquals(new ActivationShape(1, 8, 8), d.train().shape());
    assertEquals(10, d.train().classes());
    assertEquals(d.test().size(), Datasets.load("digits").test().size());
  }

  @Test
  void perClassSamplingIsSeededAndBalanced() {
    Dataset train = Datasets.load("fashion-mnist-small").train();
    Dataset a = train.samplePerClass(20, 1);
    Dataset b = train.samplePerClass(20, 1);
    Dataset c = train.samplePerClass(20, 2);
    assertEquals(200, a.size());
    assertTrue(Arrays.stream(a.countsPerClass()).allMatch(n -> n == 20));
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.image(i), b.image(i));
    }
    boolean differs = false;
    for (int i = 0; i < a.size(); i++) {
      differs |= !Arrays.equals(a.image(i), c.image(i));
    }
    assertTrue(differs);
  }

  @Test
  void channelStatsAreMeanAndStdOfPixels() {
    Dataset d = new Dataset("t", new ActivationShape(2, 1, 2), List.of("a", "b"),
        new float[][] {{0, 1, 0.5f, 0.5f}, {0, 1, 0.5f, 0.5f}}, new int[] {0, 1});
    ChannelStats s = d.stats();
    assertArrayEquals(new float[] {0.5f, 0.5f}, s.mean(), 1e-6f);
    // The second channel is constant: it keeps std 1, so it is centred, never divided by zero.
    assertArrayEquals(new float[] {0.5f, 1f}, s.std(), 1e-6f);
    float[] x = s.normalize(d.image(0));
    for (float v : x) {
      assertTrue(Float.isFinite(v), Arrays.toString(x));
    }
  }

  @Test
  void normalisationIsPerChannelMeanAndStd() {
    float[] x = new ChannelStats(new float[] {0.5f, 0.25f}, new float[] {0.5f, 0.25f})
        .normalize(new float[] {0.5f, 1f, 0f, 0.25f});
    assertArrayEquals(new float[] {0f, 1f, -1f, 0f}, x);
    assertThrows(IllegalArgumentException.class,
        () -> new ChannelStats(new float[3], new float[3]).normalize(new float[4]));
  }

  @Test
  void aTruncatedIdxFileIsNamedInTheError(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0x803);
    out.writeInt(5);
    out.writeInt(4);
    out.writeInt(4);
    out.write(new byte[16 * 2]); // two of five images
    Files.write(dir.resolve("train-images-idx3-ubyte"), bytes.toByteArray());
    ByteArrayOutputStream lb = new ByteArrayOutputStream();
    DataOutputStream lo = new DataOutputStream(lb);
    lo.writeInt(0x801);
    lo.writeInt(5);
    lo.write(new byte[5]);
    Files.write(dir.resolve("train-labels-idx1-ubyte"), lb.toByteArray());
    ModelException e = assertThrows(ModelException.class, () -> Datasets.load(dir.toString()));
    assertTrue(e.getMessage().contains("train-images-idx3-ubyte is truncated"), e.getMessage());
  }

  @Test
  void aHeaderThatAnnouncesBillionsOfImagesOverAFewBytesFailsAsALieNotOutOfMemory(
      @TempDir Path dir) throws Exception {
    for (String kind : new String[] {"images", "labels"}) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(kind.equals("images") ? 0x803 : 0x801);
      out.writeInt(Integer.MAX_VALUE);
      if (kind.equals("images")) {
        out.writeInt(28);
        out.writeInt(28);
      }
      out.write(new byte[100]);
      Path file = dir.resolve("hostile-" + kind);
      Files.write(file, bytes.toByteArray());
      ModelException e = assertThrows(ModelException.class, () -> {
        if (kind.equals("images")) {
          IdxFiles.readImages(() -> Files.newInputStream(file), file.toString());
        } else {
          IdxFiles.readLabels(() -> Files.newInputStream(file), file.toString());
        }
      });
      assertTrue(e.getMessage().startsWith(file + " is truncated or lies in its header: it"
          + " announces 2147483647 " + kind), e.getMessage());
    }
  }

  @Test
  void aMissingDatasetSaysWhatIsKnown() {
    ModelException e = assertThrows(ModelException.class, () -> Datasets.load("/no/such/data"));
    assertTrue(e.getMessage().contains("/no/such/data does not exist"), e.getMessage());
    assertTrue(e.getMessage().contains("fashion-mnist-small"), e.getMessage());
  }

  private static void png(Path file, int w, int h, int rgb) throws Exception {
    BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        im.setRGB(x, y, rgb);
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(im, "png", file.toFile());
  }

  @Test
  void imageFoldersGiveOneClassPerSubFolder(@TempDir Path dir) throws Exception {
    for (int i = 0; i < 5; i++) {
      png(dir.resolve("cat/" + i + ".png"), 6, 4, 0xff0000);
      png(dir.resolve("dog/" + i + ".png"), 12, 8, 0x0000ff);
    }
    DataSplits d = Datasets.load(dir.toString());
    assertEquals(List.of("cat", "dog"), d.train().classNames());
    assertEquals(new ActivationShape(3, 4, 6), d.train().shape());
    assertEquals(10, d.train().size() + d.test().size());
    Dataset all = ImageFolders.read("x", dir, null);
    float[] cat = all.image(0);
    assertEquals(1f, cat[0], 1e-6); // red channel first
    assertEquals(0f, cat[24], 1e-6); // green
  }

  @Test
  void imagesOfAnotherAspectAreCentreCroppedNotStretched(@TempDir Path dir) throws Exception {
    // A 12x4 image, red at the sides and blue in the centre 4x4 square, read at 2x2: a stretch
    // would mix red into every pixel; the centre crop keeps only blue.
    BufferedImage im = new BufferedImage(12, 4, BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < 12; x++) {
      for (int y = 0; y < 4; y++) {
        im.setRGB(x, y, x >= 4 && x < 8 ? 0x0000ff : 0xff0000);
      }
    }
    Files.createDirectories(dir.resolve("a"));
    ImageIO.write(im, "png", dir.resolve("a/0.png").toFile());
    png(dir.resolve("a/1.png"), 2, 2, 0x00ff00);
    Dataset d = ImageFolders.read("x", dir, new int[] {2, 2});
    assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, d.image(0), 1e-6f);
  }

  @Test
  void greyImagesStayGreyWhenResized(@TempDir Path dir) throws Exception {
    // Drawing grey into RGB would gamma-convert it; a uniform grey must keep its value.
    BufferedImage im = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
    for (int x = 0; x < 8; x++) {
      for (int y = 0; y < 8; y++) {
        im.getRaster().setSample(x, y, 0, 64);
      }
    }
    Files.createDirectories(dir.resolve("a"));
    ImageIO.write(im, "png", dir.resolve("a/0.png").toFile());
    Dataset d = ImageFolders.read("x", dir, new int[] {4, 4});
    assertEquals(1, d.shape().channels());
    for (float v : d.image(0)) {
      assertEquals(64 / 255f, v, 1e-6f);
    }
  }

  @Test
  void anEmptyClassFolderOrUnreadableImageIsNamed(@TempDir Path dir) throws Exception {
    png(dir.resolve("a/0.png"), 4, 4, 0);
    Files.createDirectories(dir.resolve("b"));
    ModelException e = assertThrows(ModelException.class, () -> ImageFolders.read("x", dir, null));
    assertTrue(e.getMessage().contains("holds no PNG or JPEG images"), e.getMessage());
    Files.writeString(dir.resolve("b/broken.png"), "not a png");
    ModelException b = assertThrows(ModelException.class, () -> ImageFolders.read("x", dir, null));
    assertTrue(b.getMessage().contains("broken.png"), b.getMessage());
  }

  @Test
  void differentSeedsSplitDifferently() {
    Dataset train = Datasets.load("digits").train();
    Dataset.Split a = train.split(0.2, 1);
    Dataset.Split b = train.split(0.2, 2);
    assertEquals(a.train().size() + a.validation().size(), train.size());
    boolean differs = false;
    for (int i = 0; i < a.validation().size(); i++) {
      differs |= a.validation().image(i) != b.validation().image(i);
    }
    assertTrue(differs, "seeds 1 and 2 chose the same validation images");
  }
}
