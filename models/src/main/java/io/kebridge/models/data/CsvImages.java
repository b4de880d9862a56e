package io.kebridge.models.data;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads square grayscale images stored one per CSV row: {@code side*side} pixel values followed by
 * the integer class label (the layout of the UCI digits file). Gzip is detected by its magic.
 * Pixels are divided by {@code maxPixel} (16 for the digits) to land in [0, 1].
 */
public final class CsvImages {
  private CsvImages() {}

  /** Reads the CSV; class names are the label numbers. */
  public static Dataset read(String name, IdxFiles.Source source, String what, float maxPixel) {
    List<float[]> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    int width = -1;
    try (InputStream raw = new BufferedInputStream(source.open())) {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw) : raw;
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        line = line.trim();
        if (line.isEmpty()) {
          continue;
        }
        String[] parts = line.split(",");
        if (width < 0) {
          width = parts.length;
          int pixels = width - 1;
          int side = (int) Math.round(Math.sqrt(pixels));
          if (side * side != pixels || pixels == 0) {
            throw new ModelException(what + " line " + lineNo + ": " + pixels
                + " pixel values do not form a square image");
          }
        } else if (parts.length != width) {
          throw new ModelException(what + " line " + lineNo + ": " + parts.length
              + " values, the first row has " + width);
        }
        float[] im = new float[width - 1];
        try {
          for (int j = 0; j < im.length; j++) {
            im[j] = Float.parseFloat(parts[j].trim()) / maxPixel;
          }
          labels.add(Integer.parseInt(parts[width - 1].trim()));
        } catch (NumberFormatException e) {
          throw new ModelException(what + " line " + lineNo + ": not a number (" + e.getMessage()
              + ")");
        }
        images.add(im);
      }
    } catch (IOException e) {
      throw new ModelException("cannot read " + what + ": " + e.getMessage(), e);
    }
    if (images.isEmpty()) {
      throw new ModelException(what + " holds no rows");
    }
    int classes = labels.stream().mapToInt(Integer::intValue).max().getAsInt() + 1;
    List<String> names = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      names.add(Integer.toString(k));
    }
    int side = (int) Math.round(Math.sqrt(width - 1));
    return new Dataset(
        name,
        new ActivationShape(1, side, side),
        names,
        images.toArray(new float[0][]),
        labels.stream().mapToInt(Integer::intValue).toArray());
  }
}
