package io.kebridge.prune.cut;

import io.kebridge.models.weights.Tensor;

/** Copies the sub-tensor that keeps given indices on each axis (row-major, any rank). */
final class TensorSlices {
  private TensorSlices() {}

  /**
   * The tensor restricted to {@code keep[a]} on axis {@code a}; a {@code null} entry keeps the whole
   * axis. Indices must be in range; their order is the order of the result.
   */
  static Tensor slice(Tensor t, int[]... keep) {
    int[] shape = t.shape();
    if (keep.length > shape.length) {
      throw new IllegalArgumentException(t.name() + " has " + shape.length + " axes, got "
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
    float[] out = new float[(int) Tensor.count(outShape)];
    copy(t.data(), out, idx, strides, 0, 0, new int[] {0});
    return new Tensor(t.name(), outShape, out);
  }

  private static void copy(float[] src, float[] dst, int[][] idx, int[] strides, int axis,
      int offset, int[] pos) {
    int[] k = idx[axis];
    if (axis == idx.length - 1) {
      for (int i : k) {
        dst[pos[0]++] = src[offset + i];
      }
      return;
    }
    for (int i : k) {
      copy(src, dst, idx, strides, axis + 1, offset + i * strides[axis], pos);
    }
  }
}
