package io.kebridge.models.card;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.ModelException;
import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.io.JsonErrors;
import io.kebridge.models.spec.ActivationShape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a model must carry so that any consumer can use it without ke-bridge's training side:
 * labels, input shape and layout, pixel normalisation, what network it is (architecture, KE split
 * and generation, {@link NetworkKind dense, slim or imported}), its accuracy and provenance. The
 * exporter writes it into the ONNX file's {@code metadata_props} ({@link #toMetadata}), folders
 * keep it as {@code card.json}, and the server, {@code ke eval} and the exporter read it back
 * ({@link #fromMetadata}). Every key is in one table, {@link CardKey}.
 *
 * <p>Preprocessing contract: pixels are scaled to [0, 1] (8-bit images: value / 255), then {@code
 * (x - mean[c]) / std[c]} per channel; the tensor is {@code layout} (NCHW) float32.
 *
 * <p>Cards are values: two cards with the same fields and properties are equal (the arrays are
 * compared by content).
 *
 * @param split the KE split plan ({@code kels:0.5}), or null where there is none (an import)
 * @param generation the KE generation the weights come from, or 0 when not from a KE run
 * @param accuracy test accuracy of this network, or null when unknown
 * @param extra further string properties, keys without {@code ke.}: the well-known ones of {@link
 *     CardKey} (dataset, seed, config hash, sources by name and SHA-256) and families such as
 *     {@code parity.*} and {@code quantization.*}
 */
public record ModelCard(
    String architecture,
    NetworkKind network,
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

  /** Prefix of every key this card writes ({@link CardKey#PREFIX}). */
  public static final String PREFIX = CardKey.PREFIX;

  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelCard {
    Objects.requireNonNull(input, "input");
    network = network == null ? NetworkKind.DENSE : network;
    labels = List.copyOf(labels);
    layout = layout == null ? "NCHW" : layout;
    mean = mean.clone();
    std = std.clone();
    if (mean.length != input.channels() || std.length != input.channels()) {
      throw new ModelException(
          "normalisation needs one mean and std per input channel (" + input.channels()
              + "), got " + mean.length + " and " + std.length);
    }
    if (generation < 0) {
      throw new ModelException("a card's generation is 0 or more, got " + generation);
    }
    extra = Map.copyOf(extra == null ? Map.of() : extra);
  }

  /** A builder for a card of {@code labels} and {@code input}; everything else is optional. */
  public static Builder builder(List<String> labels, ActivationShape input) {
    return new Builder(labels, input);
  }

  /** A builder that starts from this card. */
  public Builder toBuilder() {
    return new Builder(this);
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
  public ChannelStats normalization() {
    return new ChannelStats(mean, std);
  }

  /** The extra property {@code key}, when the card has it. */
  public Optional<String> get(CardKey key) {
    return Optional.ofNullable(extra.get(key.key()));
  }

  /** The source file recorded under a {@link CardKey.Kind#SOURCE} key, when the card has one. */
  public Optional<SourceFile> source(CardKey key) {
    String name = extra.get(key.key());
    String sha = extra.get(key.sha256Key());
    return name == null || sha == null ? Optional.empty()
        : Optional.of(new SourceFile(name, sha));
  }

  /** A copy with one more extra property (key without {@code ke.}). */
  public ModelCard withExtra(String key, String value) {
    return toBuilder().extra(key, value).build();
  }

  /** A copy with the well-known property {@code key} set. */
  public ModelCard with(CardKey key, String value) {
    return toBuilder().set(key, value).build();
  }

  /** A copy that records {@code file} under the source key {@code key}. */
  public ModelCard with(CardKey key, SourceFile file) {
    return toBuilder().source(key, file).build();
  }

  /** The card as flat string properties, every key starting with {@code ke.}. */
  public Map<String, String> toMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    for (CardKey k : CardKey.fields()) {
      String v = field(k);
      if (v != null) {
        m.put(k.metadataKey(), v);
      }
    }
    extra.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> m.put(PREFIX + e.getKey(), e.getValue()));
    return m;
  }

  private String field(CardKey k) {
    return switch (k) {
      case ARCHITECTURE -> architecture;
      case NETWORK -> network.label();
      case SPLIT -> split;
      case GENERATION -> Integer.toString(generation);
      case LABELS -> json(labels);
      case INPUT_SHAPE -> json(List.of(input.channels(), input.height(), input.width()));
      case INPUT_LAYOUT -> layout;
      case INPUT_SCALE -> "1/255";
      case MEAN -> json(mean);
      case STD -> json(std);
      case ACCURACY -> accuracy == null ? null : Double.toString(accuracy);
      case VERSION -> version;
      default -> throw new IllegalStateException(k + " is not a field");
    };
  }

  /**
   * Reads a card back from properties written by {@link #toMetadata}; keys without {@code ke.}
   * are ignored.
   *
   * @throws ModelException on one line, naming the key that is missing or not what it must be
   */
  public static ModelCard fromMetadata(Map<String, String> m) {
    List<Integer> shape = read(m, CardKey.INPUT_SHAPE, new TypeReference<List<Integer>>() {});
    if (shape.size() != 3 || shape.stream().anyMatch(d -> d == null || d <= 0)) {
      throw new ModelException(CardKey.INPUT_SHAPE.metadataKey()
          + " must be [C, H, W] of positive sizes, got " + shape);
    }
    Map<String, String> extra = new LinkedHashMap<>();
    for (var e : m.entrySet()) {
      if (e.getKey().startsWith(PREFIX) && !CardKey.isField(e.getKey())) {
        extra.put(e.getKey().substring(PREFIX.length()), e.getValue());
      }
    }
    List<String> labels = read(m, CardKey.LABELS, new TypeReference<List<String>>() {});
    if (labels.contains(null)) {
      throw new ModelException(CardKey.LABELS.metadataKey() + " holds a null label");
    }
    return new ModelCard(
        text(m, CardKey.ARCHITECTURE),
        NetworkKind.parse(m.get(CardKey.NETWORK.metadataKey())),
        text(m, CardKey.SPLIT),
        integer(m, CardKey.GENERATION),
        labels,
        new ActivationShape(shape.get(0), shape.get(1), shape.get(2)),
        text(m, CardKey.INPUT_LAYOUT),
        read(m, CardKey.MEAN, new TypeReference<float[]>() {}),
        read(m, CardKey.STD, new TypeReference<float[]>() {}),
        number(m, CardKey.ACCURACY),
        text(m, CardKey.VERSION),
        extra);
  }

  /** A field's text; the string "null" that early cards wrote for a missing value is none. */
  private static String text(Map<String, String> m, CardKey k) {
    String v = m.get(k.metadataKey());
    return v == null || v.equals("null") ? null : v;
  }

  private static int integer(Map<String, String> m, CardKey k) {
    String v = text(m, k);
    try {
      return v == null ? 0 : Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new ModelException(k.metadataKey() + " must be a whole number, got '"
          + JsonErrors.oneLine(v) + "'", e);
    }
  }

  private static Double number(Map<String, String> m, CardKey k) {
    String v = text(m, k);
    try {
      return v == null ? null : Double.valueOf(v.trim());
    } catch (NumberFormatException e) {
      throw new ModelException(k.metadataKey() + " must be a number, got '"
          + JsonErrors.oneLine(v) + "'", e);
    }
  }

  private static <T> T read(Map<String, String> m, CardKey k, TypeReference<T> type) {
    String v = m.get(k.metadataKey());
    if (v == null) {
      throw new ModelException("the model card has no " + k.metadataKey());
    }
    try {
      T value = JSON.readValue(v, type);
      if (value == null) {
        throw new ModelException(k.metadataKey() + " is null");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new ModelException(k.metadataKey() + " is not valid (" + k.description() + "): "
          + JsonErrors.describe(e), e);
    }
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new ModelException("cannot encode metadata: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelCard c
        && generation == c.generation
        && Objects.equals(architecture, c.architecture)
        && network == c.network
        && Objects.equals(split, c.split)
        && labels.equals(c.labels)
        && input.equals(c.input)
        && layout.equals(c.layout)
        && Arrays.equals(mean, c.mean)
        && Arrays.equals(std, c.std)
        && Objects.equals(accuracy, c.accuracy)
        && Objects.equals(version, c.version)
        && extra.equals(c.extra);
  }

  @Override
  public int hashCode() {
    return Objects.hash(architecture, network, split, generation, labels, input, layout,
        Arrays.hashCode(mean), Arrays.hashCode(std), accuracy, version, extra);
  }

  @Override
  public String toString() {
    return "ModelCard[" + architecture + ", " + network + ", split " + split + ", generation "
        + generation + ", " + labels.size() + " labels, input " + input + " " + layout
        + ", mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std) + ", accuracy "
        + accuracy + ", version " + version + ", extra " + extra + "]";
  }

  /**
   * Builds a {@link ModelCard}: labels and input are required; the network is dense, the
   * normalisation none (mean 0, std 1) and the generation 0 unless set.
   */
  public static final class Builder {
    private String architecture;
    private NetworkKind network = NetworkKind.DENSE;
    private String split;
    private int generation;
    private List<String> labels;
    private ActivationShape input;
    private String layout = "NCHW";
    private float[] mean;
    private float[] std;
    private Double accuracy;
    private String version;
    private final Map<String, String> extra = new LinkedHashMap<>();

    private Builder(List<String> labels, ActivationShape input) {
      this.labels = Objects.requireNonNull(labels, "labels");
      this.input = Objects.requireNonNull(input, "input");
    }

    private Builder(ModelCard c) {
      architecture = c.architecture;
      network = c.network;
      split = c.split;
      generation = c.generation;
      labels = c.labels;
      input = c.input;
      layout = c.layout;
      mean = c.mean;
      std = c.std;
      accuracy = c.accuracy;
      version = c.version;
      extra.putAll(c.extra);
    }

    public Builder architecture(String v) {
      architecture = v;
      return this;
    }

    public Builder network(NetworkKind v) {
      network = v;
      return this;
    }

    public Builder split(String v) {
      split = v;
      return this;
    }

    public Builder generation(int v) {
      generation = v;
      return this;
    }

    public Builder labels(List<String> v) {
      labels = Objects.requireNonNull(v, "labels");
      return this;
    }

    public Builder input(ActivationShape v) {
      input = Objects.requireNonNull(v, "input");
      return this;
    }

    public Builder layout(String v) {
      layout = v;
      return this;
    }

    /** Per-channel mean and std (default: none, mean 0 and std 1). */
    public Builder normalization(float[] mean, float[] std) {
      this.mean = mean.clone();
      this.std = std.clone();
      return this;
    }

    /** The normalisation of {@code stats}. */
    public Builder normalization(ChannelStats stats) {
      return normalization(stats.mean(), stats.std());
    }

    public Builder accuracy(Double v) {
      accuracy = v;
      return this;
    }

    public Builder version(String v) {
      version = v;
      return this;
    }

    /** An extra property (key without {@code ke.}); a null value removes it. */
    public Builder extra(String key, String value) {
      if (value == null) {
        extra.remove(key);
      } else {
        extra.put(key, value);
      }
      return this;
    }

    /** Every property of {@code properties} (keys without {@code ke.}). */
    public Builder extras(Map<String, String> properties) {
      properties.forEach(this::extra);
      return this;
    }

    /** The well-known property {@code key}; a null value removes it. */
    public Builder set(CardKey key, String value) {
      if (key.kind() != CardKey.Kind.EXTRA) {
        throw new IllegalArgumentException(key + " is not a single extra property");
      }
      return extra(key.key(), value);
    }

    /** Records {@code file} under the source key {@code key}: its name and its SHA-256. */
    public Builder source(CardKey key, SourceFile file) {
      extra(key.key(), file.name());
      return extra(key.sha256Key(), file.sha256());
    }

    public ModelCard build() {
      float[] m = mean;
      float[] s = std;
      if (m == null || s == null) {
        m = new float[input.channels()];
        s = new float[input.channels()];
        Arrays.fill(s, 1f);
      }
      return new ModelCard(architecture, network, split, generation, labels, input, layout, m,
          s, accuracy, version, extra);
    }
  }
}
