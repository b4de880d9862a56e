package io.kebridge.serve.classify;

import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.ImageFolders;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.serve.ServeException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns an encoded PNG or JPEG into the tensor a model expects, exactly as its {@link ModelCard}
 * says: the same crop, resize and channel conversion as the training data ({@link
 * ImageFolders#toInput}), then {@code (x - mean[c]) / std[c]}, channel-major.
 */
public final class ImagePreprocessor {
  /** Larger images are refused before decoding, so a tiny file cannot expand into gigabytes. */
  public static final long MAX_PIXELS = 64L << 20;

  private ImagePreprocessor() {}

  /** The normalised CHW pixels of {@code encoded} for a model described by {@code card}. */
  public static float[] preprocess(byte[] encoded, ModelCard card) {
    ActivationShape shape = card.input();
    return card.normalization().normalize(ImageFolders.toInput(decode(encoded),
        shape.channels(), shape.height(), shape.width()));
  }

  static BufferedImage decode(byte[] encoded) {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (in == null || !readers.hasNext()) {
        throw ServeException.badRequest("the body is not a PNG or JPEG image");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels > MAX_PIXELS || pixels <= 0) {
          throw ServeException.badRequest("the image has " + reader.getWidth(0) + "x"
              + reader.getHeight(0) + " pixels; at most " + MAX_PIXELS + " are accepted");
        }
        return reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ServeException se) {
        throw se;
      }
      throw ServeException.badRequest("the image cannot be decoded: " + e.getMessage());
    }
  }
}
