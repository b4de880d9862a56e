package io.kebridge.models.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import io.kebridge.models.ModelException;
import java.util.List;

/**
 * Zero (or, for max pooling, minus-infinity) padding of a windowed layer on each side of the image:
 * the ONNX {@code pads} of a 2-D convolution or pooling ({@code [top, left, bottom, right]}). Most
 * networks pad every side alike; TensorFlow's {@code SAME} padding with a stride and older PyTorch
 * exports of {@code ceil_mode} pooling pad the bottom and right edge more.
 *
 * <p>In JSON a uniform padding is one number (what specs before format 3 wrote), any other one the
 * list {@code [top, left, bottom, right]}.
 */
public record Padding(int top, int left, int bottom, int right) {
  /** No padding. */
  public static final Padding NONE = new Padding(0, 0, 0, 0);

  public Padding {
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      throw new ModelException("padding must be non-negative on every side, got [top, left,"
          + " bottom, right] = [" + top + ", " + left + ", " + bottom + ", " + right + "]");
    }
  }

  /** The same padding on every side. */
  public static Padding of(int all) {
    return all == 0 ? NONE : new Padding(all, all, all, all);
  }

  /** True when every side has the same padding. */
  @JsonIgnore
  public boolean uniform() {
    return top == left && top == bottom && top == right;
  }

  /** True when no side is padded. */
  @JsonIgnore
  public boolean none() {
    return top == 0 && left == 0 && bottom == 0 && right == 0;
  }

  /** The largest padding of any side. */
  @JsonIgnore
  public int max() {
    return Math.max(Math.max(top, left), Math.max(bottom, right));
  }

  /** This padding with {@code other} added side by side (a Pad node folded into a layer). */
  public Padding plus(Padding other) {
    return new Padding(top + other.top, left + other.left, bottom + other.bottom,
        right + other.right);
  }

  /** The ONNX {@code pads} attribute of a 2-D node: {@code [top, left, bottom, right]}. */
  public long[] onnxPads() {
    return new long[] {top, left, bottom, right};
  }

  /** One number when uniform, else {@code [top, left, bottom, right]}. */
  @JsonValue
  Object toJson() {
    return uniform() ? (Object) top : List.of(top, left, bottom, right);
  }

  /** Reads one number (every side) or {@code [top, left, bottom, right]}. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static Padding fromJson(JsonNode node) {
    if (node != null && node.canConvertToInt() && node.isIntegralNumber()) {
      return of(node.intValue());
    }
    if (node != null && node.isArray() && node.size() == 4) {
      int[] v = new int[4];
      for (int i = 0; i < 4; i++) {
        if (!node.get(i).isIntegralNumber() || !node.get(i).canConvertToInt()) {
          throw new ModelException("padding " + node + " must hold four integers");
        }
        v[i] = node.get(i).intValue();
      }
      return new Padding(v[0], v[1], v[2], v[3]);
    }
    throw new ModelException("padding must be a number or [top, left, bottom, right], got "
        + node);
  }

  @Override
  public String toString() {
    return uniform() ? Integer.toString(top)
        : "[" + top + ", " + left + ", " + bottom + ", " + right + "]";
  }
}
