package io.kebridge.models.data;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (an image file of magic 0x803 with count, rows
 * and columns, a label file of magic 0x801), gzip-compressed or raw: the gzip magic decides.
 */
public final class IdxFiles {
  private IdxFiles() {}

  /** Opens a stream that the caller closes; {@code what} names the source in errors. */
  @FunctionalInterface
  public interface Source {
    InputStream open() throws IOException;
  }

  /** Reads an image and a label file into a dataset. */
  public static Dataset read(
      String name, Source images, String imagesName, Source labels, String labelsName,
      List<String> classNames) {
    Images read = readImages(images, imagesName);
    float[][] im = read.pixels();
    int[] lb = readLabels(labels, labelsName);
    if (im.length != lb.length) {
      throw new ModelException(imagesName + " holds " + im.length + " images but " + labelsName
          + " holds " + lb.length + " labels");
    }
    int max = 0;
    for (int l : lb) {
      max = Math.max(max, l);
    }
    if (max >= classNames.size()) {
      throw new ModelException(labelsName + " has label " + max + " but only "
          + classNames.size() + " class names are known");
    }
    return new Dataset(name, new ActivationShape(1, read.rows(), read.cols()), classNames, im, lb);
  }

  private static DataInputStream open(Source source) throws IOException {
    InputStream raw = new BufferedInputStream(source.open(), 1 << 16);
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
    return new DataInputStream(new BufferedInputStream(in, 1 << 16));
  }

  /** The images of an IDX file, each row-major {@code rows x cols}, in [0, 1]. */
  public record Images(float[][] pixels, int rows, int cols) {}

  /** Reads an IDX image file; pixels are scaled from 0..255 to [0, 1]. */
  public static Images readImages(Source source, String what) {
    try (DataInputStream in = open(source)) {
      int magic = in.readInt();
      if (magic != 0x00000803) {
        throw new ModelException(what + " is not an IDX image file (magic 0x"
            + Integer.toHexString(magic) + ", expected 0x803)");
      }
      int n = in.readInt();
      int rows = in.readInt();
      int cols = in.readInt();
      if (n < 0 || rows <= 0 || cols <= 0 || (long) rows * cols > 1 << 24) {
        throw new ModelException(what + " has an invalid header: " + n + " images of " + rows
            + "x" + cols);
      }
      // Grow with the data actually read, never with the header's claim: a header that
      // announces 2^31 images over a few bytes must fail as truncated, not exhaust memory.
      List<float[]> images = new ArrayList<>();
      byte[] buf = new byte[rows * cols];
      for (int i = 0; i < n; i++) {
        try {
          in.readFully(buf);
        } catch (EOFException e) {
          throw new ModelException(what + " is truncated or lies in its header: it announces "
              + n + " images of " + rows + "x" + cols + ", the data ends in image " + i);
        }
        float[] im = new float[buf.length];
        for (int j = 0; j < buf.length; j++) {
          im[j] = (buf[j] & 0xff) / 255f;
        }
        images.add(im);
      }
      return new Images(images.toArray(new float[0][]), rows, cols);
    } catch (EOFException e) {
      throw new ModelException(what + " is truncated (ends inside the header)");
    } catch (IOException e) {
      throw new ModelException("cannot read " + what + ": " + e.getMessage(), e);
    }
  }

  /** Reads an IDX label file. */
  public static int[] readLabels(Source source, String what) {
    try (DataInputStream in = open(source)) {
      int magic = in.readInt();
      if (magic != 0x00000801) {
        throw new ModelException(what + " is not an IDX label file (magic 0x"
            + Integer.toHexString(magic) + ", expected 0x801)");
      }
      int n = in.readInt();
      if (n < 0) {
        throw new ModelException(what + " has an invalid label count " + n);
      }
      // read in blocks, so that memory follows the data present, not the header's count
      ByteArrayOutputStream read = new ByteArrayOutputStream();
      byte[] block = new byte[1 << 16];
      long left = n;
      while (left > 0) {
        int got = in.read(block, 0, (int) Math.min(block.length, left));
        if (got < 0) {
          throw new ModelException(what + " is truncated or lies in its header: it announces "
              + n + " labels, the data holds " + read.size());
        }
        read.write(block, 0, got);
        left -= got;
      }
      byte[] buf = read.toByteArray();
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = buf[i] & 0xff;
      }
      return labels;
    } catch (EOFException e) {
      throw new ModelException(what + " is truncated (ends inside the header)");
    } catch (IOException e) {
      throw new ModelException("cannot read " + what + ": " + e.getMessage(), e);
    }
  }
}
