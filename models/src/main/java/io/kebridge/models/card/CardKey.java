package io.kebridge.models.card;

import java.util.Arrays;
import java.util.List;

/**
 * The one table of a model card's keys. In ONNX {@code metadata_props} and in {@code card.json}
 * every key is written {@code ke.} + {@link #key()}; in {@link ModelCard#extra()} without the
 * prefix. {@link Kind#FIELD} keys are the card's typed fields, the others well-known extra
 * properties: code reads and writes them through these constants, never as spelled strings.
 */
public enum CardKey {
  // the typed fields, in the order cards write them
  ARCHITECTURE("architecture", Kind.FIELD, "architecture label (resnet18, small-cnn, imported)"),
  NETWORK("network", Kind.FIELD, "dense, slim or imported (NetworkKind)"),
  SPLIT("split", Kind.FIELD, "the KE split (kels:0.5, wels:0.5, llf:layer3); none for imports"),
  GENERATION("generation", Kind.FIELD, "KE generation of the weights, 0 when not from a KE run"),
  LABELS("labels", Kind.FIELD, "class names in output order, a JSON array"),
  INPUT_SHAPE("input.shape", Kind.FIELD, "[C, H, W] of one image, a JSON array"),
  INPUT_LAYOUT("input.layout", Kind.FIELD, "NCHW"),
  INPUT_SCALE("input.scale", Kind.FIELD, "1/255: 8-bit pixels are divided by 255 first"),
  MEAN("normalization.mean", Kind.FIELD, "per-channel mean subtracted after scaling"),
  STD("normalization.std", Kind.FIELD, "per-channel std divided by after the mean"),
  ACCURACY("accuracy", Kind.FIELD, "test accuracy of this network, when measured"),
  VERSION("version", Kind.FIELD, "the ke-bridge version that wrote the card"),

  // what a ke training run adds
  DATASET("dataset", Kind.EXTRA, "the dataset it was trained on, as given (name or path)"),
  SEED("seed", Kind.EXTRA, "the run's seed"),
  PER_CLASS("per_class", Kind.EXTRA, "training images per class (0: all)"),
  TRAIN_IMAGES("train_images", Kind.EXTRA, "training images used"),
  TRAINER("trainer", Kind.EXTRA, "what trained it"),
  CONFIG_HASH("config_hash", Kind.EXTRA, "SHA-256 of the run's config.json, byte for byte"),
  INIT_FROM("init_from", Kind.SOURCE, "the weights generation 1 started from (ke train"
      + " --init-from)"),

  // what pruning, import and export add
  DENSE_ACCURACY("dense_accuracy", Kind.EXTRA, "for a slim network: the test accuracy of the"
      + " dense network it was cut from"),
  PRUNED_FROM("pruned_from", Kind.SOURCE, "for a slim network: the weights it was cut from"),
  IMPORTED_FROM("imported_from", Kind.SOURCE, "for an imported network: the file it was read"
      + " from"),
  IMPORTED_PRODUCER("imported.producer", Kind.EXTRA, "for an imported network: what wrote the"
      + " file (its ONNX producer name and version)"),
  EXPORT_SOURCE("export.source", Kind.SOURCE, "the weights file an ONNX export was written from"),
  EXPORT_KE_BRIDGE_VERSION("export.ke_bridge_version", Kind.EXTRA, "the exporting ke-bridge"),
  EXPORT_FOLD_BATCHNORM("export.fold_batchnorm", Kind.EXTRA, "true when batch-norms were folded"
      + " into the convolutions"),
  PARITY("parity.", Kind.FAMILY, "the export's parity check: reference, images, max_abs_diff,"
      + " max_rel_diff, top1_agreement, tolerance, passed"),
  QUANTIZATION("quantization.", Kind.FAMILY, "INT8 models: precision, format, calibration, fused"
      + " kernels, float and INT8 accuracy");

  /** The prefix of every key in metadata and card files. */
  public static final String PREFIX = "ke.";

  /** What a key holds. */
  public enum Kind {
    /** A typed field of {@link ModelCard}. */
    FIELD,
    /** One extra property. */
    EXTRA,
    /**
     * A {@link SourceFile}: the file's name under the key, its SHA-256 under the key plus {@code
     * _sha256}.
     */
    SOURCE,
    /** A family of extra properties whose keys start with the key. */
    FAMILY
  }

  private final String key;
  private final Kind kind;
  private final String description;

  CardKey(String key, Kind kind, String description) {
    this.key = key;
    this.kind = kind;
    this.description = description;
  }

  /** The key without the {@code ke.} prefix, as {@link ModelCard#extra()} holds it. */
  public String key() {
    return key;
  }

  /** The key as metadata and card files hold it: {@code ke.} + {@link #key()}. */
  public String metadataKey() {
    return PREFIX + key;
  }

  /** For a {@link Kind#SOURCE} key: the key of its SHA-256 ({@code pruned_from_sha256}). */
  public String sha256Key() {
    if (kind != Kind.SOURCE) {
      throw new IllegalStateException(this + " does not name a source file");
    }
    return key + "_sha256";
  }

  public Kind kind() {
    return kind;
  }

  /** What the key holds, for documentation. */
  public String description() {
    return description;
  }

  /** The typed fields' keys, in the order cards write them. */
  public static List<CardKey> fields() {
    return Arrays.stream(values()).filter(k -> k.kind == Kind.FIELD).toList();
  }

  /** True when {@code metadataKey} (with its {@code ke.} prefix) is a typed field's key. */
  static boolean isField(String metadataKey) {
    for (CardKey k : values()) {
      if (k.kind == Kind.FIELD && k.metadataKey().equals(metadataKey)) {
        return true;
      }
    }
    return false;
  }
}
