package io.kebridge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.ImageFolders;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.onnx.OnnxFormat;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * What {@code ke demo} leaves for the reader's own requests: the first test image of each class
 * as a PNG named after its class ({@code sample-3-dress.png}), and V2 {@code /infer} bodies for
 * the first of them, normalised as the model card says, so that the README's {@code curl} and
 * gRPC examples run as written against the demo's repository.
 */
final class DemoSamples {
  /** The folder under the demo's {@code --out}. */
  static final String FOLDER = "samples";
  /** The {@code /infer} body: the input tensor of the first sample, both outputs returned. */
  static final String REQUEST = "request.json";
  /** The same body asking for the classification extension's top 3 of {@code probs}. */
  static final String CLASSIFICATION_REQUEST = "request-classification.json";
  /** At most this many classes get a sample: "a few images", also for a 100-class dataset. */
  static final int MAX_SAMPLES = 10;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One written sample: its file, its index in the test split and its class. */
  record Sample(Path file, int testIndex, int label, String className) {}

  /** What was written: the samples in class order and the two request bodies. */
  record Written(Path folder, List<Sample> samples, Path request, Path classificationRequest) {}

  private DemoSamples() {}

  /**
   * Writes the samples of {@code test} into {@code folder} (created; files written atomically).
   * The request bodies carry the first sample's pixels as the server's {@code /classify} would
   * read them from the PNG, normalised with the card's mean and std.
   */
  static Written write(Path folder, Dataset test, ModelCard card) {
    List<Sample> samples = new ArrayList<>();
    int classes = Math.min(test.classes(), MAX_SAMPLES);
    boolean[] seen = new boolean[classes];
    try {
      Files.createDirectories(folder);
      for (int i = 0; i < test.size() && samples.size() < classes; i++) {
        int label = test.label(i);
        if (label >= classes || seen[label]) {
          continue;
        }
        seen[label] = true;
        String name = test.classNames().get(label);
        Path file = folder.resolve(fileName(label, name));
        AtomicFiles.writeBytes(file, png(test.image(i), test.shape()));
        samples.add(new Sample(file, i, label, name));
      }
      if (samples.isEmpty()) {
        throw new ModelException("the test split of " + test.name() + " has no images to write "
            + "as samples");
      }
      samples.sort((a, b) -> Integer.compare(a.label(), b.label()));
      Sample first = samples.get(0);
      float[] x = card.normalization().normalize(pixelsAsServed(first.file(), test.shape()));
      String id = stem(first.file());
      Path request = folder.resolve(REQUEST);
      AtomicFiles.writeString(request, requestBody(id, x, test.shape(), false));
      Path classification = folder.resolve(CLASSIFICATION_REQUEST);
      AtomicFiles.writeString(classification, requestBody(id, x, test.shape(), true));
      return new Written(folder, List.copyOf(samples), request, classification);
    } catch (IOException e) {
      throw new ModelException("cannot write the demo's samples into " + folder + ": "
          + e.getMessage(), e);
    }
  }

  /** {@code sample-<class index>-<class name in lower case, dashes for the rest>.png}. */
  static String fileName(int label, String className) {
    String slug = className.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
        .replaceAll("^-+|-+$", "");
    return "sample-" + label + (slug.isEmpty() ? "" : "-" + slug) + ".png";
  }

  private static String stem(Path file) {
    String name = file.getFileName().toString();
    return name.substring(0, name.length() - ".png".length());
  }

  /** The PNG read back through the same preprocessing as the server's classify endpoint. */
  private static float[] pixelsAsServed(Path png, ActivationShape s) throws IOException {
    BufferedImage im = ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(png)));
    return ImageFolders.toInput(im, s.channels(), s.height(), s.width());
  }

  /** A V2 inference request body of one image, on one line (curl's -d @FILE joins lines). */
  static String requestBody(String id, float[] x, ActivationShape s, boolean classification)
      throws IOException {
    ObjectNode req = JSON.createObjectNode().put("id", id);
    ObjectNode input = req.putArray("inputs").addObject().put("name", OnnxFormat.INPUT);
    input.putArray("shape").add(1).add(s.channels()).add(s.height()).add(s.width());
    input.put("datatype", "FP32");
    ArrayNode data = input.putArray("data");
    for (float v : x) {
      data.add(v);
    }
    if (classification) {
      req.putArray("outputs").addObject().put("name", OnnxFormat.PROBS)
          .putObject("parameters").put("classification", 3);
    }
    return JSON.writeValueAsString(req) + "\n";
  }

  /** An 8-bit PNG of a [0, 1] channel-major image, as a user's photo would arrive. */
  static byte[] png(float[] chw, ActivationShape s) throws IOException {
    int h = s.height();
    int w = s.width();
    BufferedImage im = new BufferedImage(w, h,
        s.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = y * w + x;
        if (s.channels() == 1) {
          im.getRaster().setSample(x, y, 0, Math.round(chw[p] * 255));
        } else {
          int r = Math.round(chw[p] * 255);
          int g = Math.round(chw[h * w + p] * 255);
          int b = Math.round(chw[2 * h * w + p] * 255);
          im.setRGB(x, y, (r << 16) | (g << 8) | b);
        }
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ImageIO.write(im, "png", bytes);
    return bytes.toByteArray();
  }
}
