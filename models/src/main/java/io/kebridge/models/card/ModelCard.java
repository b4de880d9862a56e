package io.kebridge.models.card;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a served model must carry so that any consumer can use it without ke-bridge's training
 * side: labels, input shape and layout, pixel normalisation, what network it is (architecture, KE
 * split and generation, dense or slim), its accuracy and provenance. The exporter writes it into
 * the ONNX file's {@code metadata_props} under {@code ke.*} keys ({@link #toMetadata}); the server
 * reads it back ({@link #fromMetadata}).
 *
 * <p>Preprocessing contract: pixels are scaled to [0, 1] (8-bit images: value / 255), then {@code
 * (x - mean[c]) / std[c]} per channel; the tensor is {@code layout} (NCHW) float32.
 *
 * @param accuracy test accuracy of this network, or null when unknown
 * @param generation the KE generation the weights come from, or 0 when not from a KE run
 * @param extra further string properties (parity figures, provenance: config hash, dataset, seed)
 */
public record ModelCard(
    String architecture,
    String network,
    String split,
    int generation,
    List<String> labels,
    ActivationShape input,
    String layout,
    float[] mean,
    float[] std,
    Double accuracy,
    String version,
    Map<String, String> extra) {

  /** Prefix of every key this card writes. */
  public static final String PREFIX = "ke.";

  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelCard {
    Objects.requireNonNull(input, "input");
    labels = List.copyOf(labels);
    layout = layout == null ? "NCHW" : layout;
    mean = mean.clone();
    std = std.clone();
    if (mean.length != input.channels() || std.length != input.channels()) {
      throw new ModelException(
          "normalisation needs one mean and std per input channel (" + input.channels()
              + "), got " + mean.length + " and " + std.length);
    }
    extra = Map.copyOf(extra == null ? Map.of() : extra);
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /** The card's per-channel normalisation, which also applies it to images. */
  public io.kebridge.models.data.ChannelStats normalization() {
    return new io.kebridge.models.data.ChannelStats(mean, std);
  }

  /** A copy with one more extra property. */
  public ModelCard withExtra(String key, String value) {
    Map<String, String> e = new LinkedHashMap<>(extra);
    e.put(key, value);
    return new ModelCard(architecture, network, split, generation, labels, input, layout, mean,
        std, accuracy, version, e);
  }

  /** The card as flat string properties, every key starting with {@code ke.}. */
  public Map<String, String> toMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("ke.architecture", String.valueOf(architecture));
    m.put("ke.network", String.valueOf(network));
    m.put("ke.split", String.valueOf(split));
    m.put("ke.generation", Integer.toString(generation));
    m.put("ke.labels", json(labels));
    m.put("ke.input.shape", json(List.of(input.channels(), input.height(), input.width())));
    m.put("ke.input.layout", layout);
    m.put("ke.input.scale", "1/255");
    m.put("ke.normalization.mean", json(mean));
    m.put("ke.normalization.std", json(std));
    if (accuracy != null) {
      m.put("ke.accuracy", Double.toString(accuracy));
    }
    m.put("ke.version", String.valueOf(version));
    extra.forEach((k, v) -> m.put(PREFIX + k, v));
    return m;
  }

  /** Reads a card back from properties written by {@link #toMetadata}. */
  public static ModelCard fromMetadata(Map<String, String> m) {
    try {
      List<Integer> shape = JSON.readValue(need(m, "ke.input.shape"), new TypeReference<>() {});
      if (shape.size() != 3) {
        throw new ModelException("ke.input.shape must be [C, H, W], got " + shape);
      }
      Map<String, String> extra = new LinkedHashMap<>();
      for (var e : m.entrySet()) {
        if (e.getKey().startsWith(PREFIX) && !KNOWN.contains(e.getKey())) {
          extra.put(e.getKey().substring(PREFIX.length()), e.getValue());
        }
      }
      String acc = m.get("ke.accuracy");
      return new ModelCard(
          m.get("ke.architecture"),
          m.get("ke.network"),
          m.get("ke.split"),
          Integer.parseInt(m.getOrDefault("ke.generation", "0")),
          JSON.readValue(need(m, "ke.labels"), new TypeReference<List<String>>() {}),
          new ActivationShape(shape.get(0), shape.get(1), shape.get(2)),
          m.getOrDefault("ke.input.layout", "NCHW"),
          JSON.readValue(need(m, "ke.normalization.mean"), float[].class),
          JSON.readValue(need(m, "ke.normalization.std"), float[].class),
          acc == null ? null : Double.valueOf(acc),
          m.get("ke.version"),
          extra);
    } catch (JsonProcessingException | NumberFormatException e) {
      throw new ModelException("invalid ke.* model metadata: " + e.getMessage(), e);
    }
  }

  private static final java.util.Set<String> KNOWN =
      java.util.Set.of(
          "ke.architecture", "ke.network", "ke.split", "ke.generation", "ke.labels",
          "ke.input.shape", "ke.input.layout", "ke.input.scale", "ke.normalization.mean",
          "ke.normalization.std", "ke.accuracy", "ke.version");

  private static String need(Map<String, String> m, String key) {
    String v = m.get(key);
    if (v == null) {
      throw new ModelException("model metadata has no " + key);
    }
    return v;
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new ModelException("cannot encode metadata: " + e.getMessage(), e);
    }
  }
}
