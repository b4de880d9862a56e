package io.kebridge.models.weights;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 tensor, row-major, in the canonical layout of its kind ({@code [out, in, kh, kw]}
 * for convolutions, {@code [out, in]} for dense weights). The array is not copied: treat it as
 * read-only once the tensor is shared.
 */
public record Tensor(String name, int[] shape, float[] data) {
  public Tensor {
    Objects.requireNonNull(name, "name");
    shape = shape.clone();
    long n = count(shape);
    if (n != data.length) {
      throw new IllegalArgumentException(
          name + ": shape " + Arrays.toString(shape) + " needs " + n + " values, got "
              + data.length);
    }
  }

  /** Number of elements a shape holds. */
  public static long count(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      n *= d;
    }
    return n;
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** A zero tensor of the given shape. */
  public static Tensor zeros(String name, int[] shape) {
    return new Tensor(name, shape, new float[(int) count(shape)]);
  }

  /** The same values under another name. */
  public Tensor rename(String newName) {
    return new Tensor(newName, shape, data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && name.equals(t.name)
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(data));
  }

  @Override
  public String toString() {
    return "Tensor[" + name + Arrays.toString(shape) + "]";
  }
}
