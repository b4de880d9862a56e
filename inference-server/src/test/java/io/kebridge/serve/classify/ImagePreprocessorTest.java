package io.kebridge.serve.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.data.ImageFolders;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.serve.ServeException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images are cropped, resized and normalised exactly as the model card says. */
class ImagePreprocessorTest {
  private static ModelCard card(int c, int h, int w, float mean, float std) {
    float[] m = new float[c];
    float[] s = new float[c];
    java.util.Arrays.fill(m, mean);
    java.util.Arrays.fill(s, std);
    return new ModelCard("small-cnn", NetworkKind.DENSE, "kels:0.5", 1, List.of("a", "b"),
        new ActivationShape(c, h, w), "NCHW", m, s, null, "t", Map.of());
  }

  private static byte[] png(BufferedImage im) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(im, "png", out);
    return out.toByteArray();
  }

  @Test
  void aGreyImageOfTheRightSizeIsOnlyScaledAndNormalised() throws IOException {
    BufferedImage im = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
    float[] expected = new float[16];
    for (int i = 0; i < 16; i++) {
      im.getRaster().setSample(i % 4, i / 4, 0, i * 16);
      expected[i] = (i * 16 / 255f - 0.5f) / 0.25f;
    }
    assertArrayEquals(expected, ImagePreprocessor.preprocess(png(im), card(1, 4, 4, 0.5f, 0.25f)),
        1e-6f);
  }

  @Test
  void aWideColourImageIsCentreCroppedToTheInputAspect() throws IOException {
    // Left and right thirds red, the centre square blue: after the crop only blue remains.
    BufferedImage im = new BufferedImage(12, 4, BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < 12; x++) {
      for (int y = 0; y < 4; y++) {
        im.setRGB(x, y, x >= 4 && x < 8 ? 0x0000ff : 0xff0000);
      }
    }
    float[] chw = ImagePreprocessor.preprocess(png(im), card(3, 2, 2, 0f, 1f));
    assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, chw, 1e-6f);
  }

  @Test
  void aServedImageIsTheTensorTheTrainingDataHeldForTheSameFile(@TempDir Path dir)
      throws IOException {
    // An odd-sized photo-like colour image and a grey one: the classify endpoint must see exactly
    // what training and evaluation saw (same crop, resize and channels), or accuracy lies.
    BufferedImage colour = new BufferedImage(37, 23, BufferedImage.TYPE_INT_RGB);
    BufferedImage grey = new BufferedImage(19, 31, BufferedImage.TYPE_BYTE_GRAY);
    for (int x = 0; x < 37; x++) {
      for (int y = 0; y < 31; y++) {
        if (y < 23) {
          colour.setRGB(x, y, (x * 7 % 256) << 16 | (y * 11 % 256) << 8 | ((x + y) * 5 % 256));
        }
        if (x < 19) {
          grey.getRaster().setSample(x, y, 0, (x * 13 + y * 3) % 256);
        }
      }
    }
    for (BufferedImage im : List.of(colour, grey)) {
      int c = im == grey ? 1 : 3;
      Path folder = dir.resolve(c + "/a");
      Files.createDirectories(folder);
      byte[] encoded = png(im);
      Files.write(folder.resolve("0.png"), encoded);
      float[] trained = ImageFolders.read("x", folder.getParent(), new int[] {8, 8}).image(0);
      float[] served = ImagePreprocessor.preprocess(encoded, card(c, 8, 8, 0f, 1f));
      assertArrayEquals(trained, served, 0f);
    }
  }

  @Test
  void bytesThatAreNoImageAreA400() {
    ServeException e = assertThrows(ServeException.class,
        () -> ImagePreprocessor.preprocess(new byte[] {1, 2, 3}, card(1, 4, 4, 0, 1)));
    assertEquals(400, e.status());
  }
}
