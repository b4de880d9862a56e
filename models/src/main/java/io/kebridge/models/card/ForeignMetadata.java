package io.kebridge.models.card;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.ModelException;
import io.kebridge.models.io.JsonErrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The labels and normalisation that other stacks write into a model's metadata or beside it, read
 * into what a {@link ModelCard} holds. Labels are looked for under the keys {@link #LABEL_KEYS}
 * ({@code categories} as torchvision's weights name them, {@code names} as Ultralytics writes
 * them, {@code labels}, {@code classes}, {@code class_names}), normalisation under {@link
 * #MEAN_KEYS} and {@link #STD_KEYS}. A list of labels may be a JSON array of names, a JSON or
 * Python dict from class index to name ({@code {0: 'person', 1: 'bicycle'}}) or to {@code [id,
 * name]} (Keras's {@code imagenet_class_index.json}), or plain text with one name per line.
 */
public final class ForeignMetadata {
  /** Metadata keys that may hold the class names, in the order they are tried. */
  public static final List<String> LABEL_KEYS =
      List.of("labels", "categories", "classes", "class_names", "names");

  /** Metadata keys that may hold the per-channel mean. */
  public static final List<String> MEAN_KEYS = List.of("mean", "image_mean", "normalization.mean");

  /** Metadata keys that may hold the per-channel standard deviation. */
  public static final List<String> STD_KEYS = List.of("std", "image_std", "normalization.std");

  private static final ObjectMapper JSON = new ObjectMapper();
  /** One {@code index: 'name'} (or {@code "name"}) entry of a Python dict, escapes allowed. */
  private static final Pattern PY_ENTRY = Pattern.compile(
      "\\s*(\\d+)\\s*:\\s*(?:'((?:[^'\\\\]|\\\\.)*)'|\"((?:[^\"\\\\]|\\\\.)*)\")\\s*");

  private ForeignMetadata() {}

  /**
   * Labels found in {@code metadata}, with the key they came from.
   *
   * @param key the metadata key
   */
  public record Found<T>(String key, T value) {}

  /** The class names that {@code metadata} holds under one of {@link #LABEL_KEYS}, if any. */
  public static Optional<Found<List<String>>> labels(Map<String, String> metadata) {
    for (String key : LABEL_KEYS) {
      String v = metadata.get(key);
      if (v != null && !v.isBlank()) {
        return Optional.of(new Found<>(key, parseLabels(v, "metadata '" + key + "'")));
      }
    }
    return Optional.empty();
  }

  /**
   * The mean and std that {@code metadata} holds, if both are there: on the [0, 1] pixel scale of
   * the card's contract (values above 1, as Caffe and mmcv write for 0-255 pixels, are divided by
   * 255).
   */
  public static Optional<Found<float[][]>> normalization(Map<String, String> metadata) {
    for (int i = 0; i < MEAN_KEYS.size(); i++) {
      String m = metadata.get(MEAN_KEYS.get(i));
      String s = metadata.get(STD_KEYS.get(i));
      if (m != null && s != null) {
        float[] mean = numbers(m, "metadata '" + MEAN_KEYS.get(i) + "'");
        float[] std = numbers(s, "metadata '" + STD_KEYS.get(i) + "'");
        boolean bytes = false;
        for (float v : mean) {
          bytes |= v > 1.5f;
        }
        if (bytes) {
          for (int c = 0; c < mean.length; c++) {
            mean[c] /= 255f;
          }
          for (int c = 0; c < std.length; c++) {
            std[c] /= 255f;
          }
        }
        return Optional.of(new Found<>(MEAN_KEYS.get(i) + ", " + STD_KEYS.get(i),
            new float[][] {mean, std}));
      }
    }
    return Optional.empty();
  }

  /**
   * Class names read from a file: plain text with one name per line (blank lines skipped), or JSON
   * as {@link #parseLabels} reads it.
   */
  public static List<String> labelsFile(Path file) {
    byte[] bytes;
    try {
      if (Files.size(file) > 64L << 20) {
        throw new ModelException("labels file " + file + " is larger than 64 MiB; it is not a"
            + " list of class names");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ModelException("labels file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new ModelException("cannot read labels file " + file + ": " + e.getMessage(), e);
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    return parseLabels(text, "labels file " + file);
  }

  /**
   * Class names from text: a JSON array of names; a JSON object or Python dict from class index
   * to a name or to {@code [id, name]} (in index order, which must run from 0 without gaps);
   * else one name per line.
   *
   * @param what names the source in errors
   */
  public static List<String> parseLabels(String text, String what) {
    String t = text.strip();
    List<String> labels;
    if (t.startsWith("[") || t.startsWith("{")) {
      labels = structured(t, what);
    } else {
      labels = new ArrayList<>();
      for (String line : t.split("\\R")) {
        if (!line.isBlank()) {
          labels.add(line.strip());
        }
      }
    }
    if (labels.isEmpty()) {
      throw new ModelException(what + " holds no class names");
    }
    return List.copyOf(labels);
  }

  private static List<String> structured(String t, String what) {
    JsonNode n;
    try {
      n = JSON.readTree(t);
    } catch (IOException e) {
      if (t.startsWith("{")) {
        return pythonDict(t, what); // {0: 'person', ...}: not JSON, but what str(dict) prints
      }
      throw new ModelException(what + " is not a JSON list of class names: "
          + JsonErrors.describe(e), e);
    }
    List<String> out = new ArrayList<>();
    if (n.isArray()) {
      for (JsonNode v : n) {
        out.add(name(v, what));
      }
      return out;
    }
    TreeMap<Integer, String> byIndex = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      byIndex.put(index(e.getKey(), what), name(e.getValue(), what));
    }
    return inOrder(byIndex, what);
  }

  private static List<String> pythonDict(String t, String what) {
    String body = t.substring(1, t.endsWith("}") ? t.length() - 1 : t.length());
    TreeMap<Integer, String> byIndex = new TreeMap<>();
    Matcher m = PY_ENTRY.matcher("");
    for (String entry : splitTopLevel(body)) {
      if (entry.isBlank()) {
        continue;
      }
      m.reset(entry);
      if (!m.matches()) {
        throw new ModelException(what + " is neither JSON nor a dict of index: 'name' (at '"
            + JsonErrors.oneLine(entry.strip()) + "')");
      }
      String name = m.group(2) != null ? m.group(2) : m.group(3);
      byIndex.put(index(m.group(1), what), name.replace("\\'", "'").replace("\\\"", "\""));
    }
    return inOrder(byIndex, what);
  }

  /** The entries of a dict body, split at commas outside quotes. */
  private static List<String> splitTopLevel(String body) {
    List<String> parts = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (quote != 0) {
        if (c == '\\' && i + 1 < body.length()) {
          cur.append(c).append(body.charAt(++i));
          continue;
        }
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == ',') {
        parts.add(cur.toString());
        cur.setLength(0);
        continue;
      }
      cur.append(c);
    }
    parts.add(cur.toString());
    return parts;
  }

  private static List<String> inOrder(TreeMap<Integer, String> byIndex, String what) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<Integer, String> e : byIndex.entrySet()) {
      if (e.getKey() != out.size()) {
        throw new ModelException(what + " has no class " + out.size() + " (its indices must run"
            + " from 0 without gaps)");
      }
      out.add(e.getValue());
    }
    return out;
  }

  private static int index(String key, String what) {
    try {
      int i = Integer.parseInt(key.strip());
      if (i < 0) {
        throw new NumberFormatException();
      }
      return i;
    } catch (NumberFormatException e) {
      throw new ModelException(what + " maps '" + JsonErrors.oneLine(key) + "' to a name; class"
          + " indices 0, 1, ... are expected", e);
    }
  }

  /** A name: a string, or the last string of an {@code [id, name]} pair. */
  private static String name(JsonNode v, String what) {
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isArray() && v.size() > 0 && v.get(v.size() - 1).isTextual()) {
      return v.get(v.size() - 1).asText();
    }
    throw new ModelException(what + " holds " + JsonErrors.oneLine(v.toString())
        + " where a class name is expected");
  }

  /** Numbers from a JSON array or a comma-separated list. */
  private static float[] numbers(String text, String what) {
    String t = text.strip();
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    String[] parts = t.split("[,\\s]+");
    float[] out = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Float.parseFloat(parts[i].strip());
      } catch (NumberFormatException e) {
        throw new ModelException(what + " is not a list of numbers: '"
            + JsonErrors.oneLine(text) + "'", e);
      }
      if (!Float.isFinite(out[i])) {
        throw new ModelException(what + " holds " + parts[i] + ", not a finite number");
      }
    }
    return out;
  }

  /** The default labels of a network with {@code classes} outputs: {@code class 0 .. class N-1}. */
  public static List<String> defaultLabels(int classes) {
    String[] l = new String[classes];
    for (int i = 0; i < classes; i++) {
      l[i] = String.format(Locale.ROOT, "class %d", i);
    }
    return Arrays.asList(l);
  }
}
