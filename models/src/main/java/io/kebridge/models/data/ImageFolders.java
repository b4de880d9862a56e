package io.kebridge.models.data;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads a folder with one sub-folder per class (sorted by name) of PNG or JPEG images, decoded by
 * the JDK's ImageIO. Every image is centre-cropped to the aspect ratio of the target size (the
 * first image's unless given) and resized to it, as {@link #toInput} does for served images; the
 * data is grayscale when every image is, RGB otherwise.
 */
public final class ImageFolders {
  private ImageFolders() {}

  /** True for the file names this reader decodes. */
  public static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
  }

  /** Reads {@code root}; {@code size} fixes height and width, or null to take the first image's. */
  public static Dataset read(String name, Path root, int[] size) {
    if (!Files.isDirectory(root)) {
      throw new ModelException("dataset folder " + root + " does not exist");
    }
    List<Path> classDirs;
    try (Stream<Path> s = Files.list(root)) {
      classDirs = s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new ModelException("cannot list " + root + ": " + e.getMessage(), e);
    }
    if (classDirs.isEmpty()) {
      throw new ModelException("dataset folder " + root + " has no class sub-folders");
    }
    List<BufferedImage> decoded = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    List<String> names = new ArrayList<>();
    boolean allGray = true;
    for (Path dir : classDirs) {
      List<Path> files;
      try (Stream<Path> s = Files.list(dir)) {
        files = s.filter(Files::isRegularFile).filter(ImageFolders::isImage).sorted().toList();
      } catch (IOException e) {
        throw new ModelException("cannot list " + dir + ": " + e.getMessage(), e);
      }
      if (files.isEmpty()) {
        throw new ModelException("class folder " + dir + " holds no PNG or JPEG images");
      }
      int label = names.size();
      names.add(dir.getFileName().toString());
      for (Path f : files) {
        BufferedImage im = decode(f);
        allGray &= im.getColorModel().getNumColorComponents() == 1;
        decoded.add(im);
        labels.add(label);
      }
    }
    int h = size != null ? size[0] : decoded.get(0).getHeight();
    int w = size != null ? size[1] : decoded.get(0).getWidth();
    int c = allGray ? 1 : 3;
    float[][] images = new float[decoded.size()][];
    for (int i = 0; i < images.length; i++) {
      images[i] = toInput(decoded.get(i), c, h, w);
    }
    return new Dataset(
        name,
        new ActivationShape(c, h, w),
        names,
        images,
        labels.stream().mapToInt(Integer::intValue).toArray());
  }

  /** Decodes one image file, with an error naming the file when it cannot. */
  public static BufferedImage decode(Path file) {
    try {
      BufferedImage im = ImageIO.read(file.toFile());
      if (im == null) {
        throw new ModelException("image " + file + " cannot be decoded (not a PNG or JPEG?)");
      }
      return im;
    } catch (IOException e) {
      throw new ModelException("image " + file + " cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * The network input for one decoded image: centre crop to the aspect ratio of {@code h x w},
   * bilinear resize to {@code h x w}, channel-major pixels in [0, 1], one channel (luma) or three
   * (RGB). Training data, evaluation data and the server's classify endpoint all go through this
   * one method, so a served model sees an image exactly as its reported accuracy was measured.
   */
  public static float[] toInput(BufferedImage src, int channels, int h, int w) {
    boolean grey = channels == 1 && src.getColorModel().getNumColorComponents() == 1;
    BufferedImage im = resize(centreCrop(src, h, w), h, w, grey);
    float[] out = new float[channels * h * w];
    if (grey) {
      var raster = im.getRaster();
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          out[y * w + x] = raster.getSample(x, y, 0) / 255f;
        }
      }
      return out;
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = im.getRGB(x, y);
        float r = ((rgb >> 16) & 0xff) / 255f;
        float gr = ((rgb >> 8) & 0xff) / 255f;
        float b = (rgb & 0xff) / 255f;
        int p = y * w + x;
        if (channels == 1) {
          out[p] = 0.299f * r + 0.587f * gr + 0.114f * b;
        } else {
          out[p] = r;
          out[h * w + p] = gr;
          out[2 * h * w + p] = b;
        }
      }
    }
    return out;
  }

  /**
   * A channel-major image with values in [0, 1] (1 or 3 channels) as an 8-bit picture: grey
   * stays grey, so that {@link #toInput} treats it as it would the decoded file.
   */
  static BufferedImage picture(float[] chw, ActivationShape shape) {
    int h = shape.height();
    int w = shape.width();
    int hw = h * w;
    boolean grey = shape.channels() == 1;
    BufferedImage im = new BufferedImage(w, h,
        grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = y * w + x;
        if (grey) {
          im.getRaster().setSample(x, y, 0, byte255(chw[p]));
        } else {
          im.setRGB(x, y, byte255(chw[p]) << 16 | byte255(chw[hw + p]) << 8
              | byte255(chw[2 * hw + p]));
        }
      }
    }
    return im;
  }

  private static int byte255(float v) {
    return Math.max(0, Math.min(255, Math.round(v * 255)));
  }

  /** The largest centred region with the aspect ratio of {@code h x w} (a view, not a copy). */
  private static BufferedImage centreCrop(BufferedImage im, int h, int w) {
    int sw = im.getWidth();
    int sh = im.getHeight();
    // Compare aspect ratios in integers: sw/sh against w/h.
    if ((long) sw * h > (long) sh * w) {
      int cw = Math.max(1, (int) Math.round((double) sh * w / h));
      return im.getSubimage((sw - cw) / 2, 0, cw, sh);
    }
    if ((long) sw * h < (long) sh * w) {
      int ch = Math.max(1, (int) Math.round((double) sw * h / w));
      return im.getSubimage(0, (sh - ch) / 2, sw, ch);
    }
    return im;
  }

  private static BufferedImage resize(BufferedImage im, int h, int w, boolean grey) {
    int type = grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB;
    if (im.getWidth() == w && im.getHeight() == h && im.getType() == type) {
      return im;
    }
    // Grey stays grey: drawing grey into RGB would apply a colour-space conversion.
    BufferedImage out = new BufferedImage(w, h, type);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(im, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    return out;
  }
}
