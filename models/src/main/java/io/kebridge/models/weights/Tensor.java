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

  /**
   * The sub-tensor that keeps the indices {@code keep[a]} on axis {@code a} (row-major, any rank);
   * a {@code null} entry, or an axis past the end of {@code keep}, keeps the whole axis. Indices
   * must be in range; their order is the order of the result.
   */
  public Tensor select(int[]... keep) {
    if (keep.length > shape.length) {
      throw new IllegalArgumentException(name + " has " + shape.length + " axes, got "
          + keep.length + " index sets");
    }
    int[][] idx = new int[shape.length][];
    int[] outShape = new int[shape.length];
    int[] strides = new int[shape.length];
    int stride = 1;
    for (int a = shape.length - 1; a >= 0; a--) {
      strides[a] = stride;
      stride *= shape[a];
      int[] k = a < keep.length ? keep[a] : null;
      if (k == null) {
        k = new int[shape[a]];
        for (int i = 0; i < k.length; i++) {
          k[i] = i;
        }
      }
      idx[a] = k;
      outShape[a] = k.length;
    }
    float[] out = new float[(int) count(outShape)];
    copy(out, idx, strides, 0, 0, new int[] {0});
    return new Tensor(name, outShape, out);
  }

  private void copy(float[] dst, int[][] idx, int[] strides, int axis, int offset, int[] pos) {
    int[] k = idx[axis];
    if (axis == idx.length - 1) {
      for (int i : k) {
        dst[pos[0]++] = data[offset + i];
      }
      return;
    }
    for (int i : k) {
      copy(dst, idx, strides, axis + 1, offset + i * strides[axis], pos);
    }
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
