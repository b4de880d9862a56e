package io.kebridge.models.card;

import io.kebridge.models.ModelException;
import java.util.Arrays;
import java.util.Locale;

/**
 * What network a model card describes: ke-bridge's own dense network (a run's generation, or one
 * trained from imported weights), the slim network cut out of one, or a network imported from
 * another stack as it came. An INT8 model keeps the kind of the float network it was quantised
 * from; its {@code ke.quantization.*} properties say that it is quantised.
 */
public enum NetworkKind {
  DENSE,
  SLIM,
  IMPORTED;

  /** The form cards store: {@code dense}, {@code slim}, {@code imported}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The kind a card's {@code ke.network} names; cards that name none (or {@code null}, which
   * early cards wrote for it) describe a dense network.
   *
   * @throws ModelException naming the value and the kinds there are
   */
  public static NetworkKind parse(String value) {
    if (value == null || value.isBlank() || value.equals("null")) {
      return DENSE;
    }
    for (NetworkKind k : values()) {
      if (k.label().equals(value.trim().toLowerCase(Locale.ROOT))) {
        return k;
      }
    }
    throw new ModelException("ke.network must be one of "
        + Arrays.stream(values()).map(NetworkKind::label).toList() + ", got '" + value + "'");
  }

  @Override
  public String toString() {
    return label();
  }
}
