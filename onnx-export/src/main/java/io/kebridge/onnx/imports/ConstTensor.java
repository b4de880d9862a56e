package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.TensorProto;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.graph.TensorProtos;
import java.util.Arrays;

/**
 * A tensor whose value the importer knows before any image flows through the graph: an
 * initializer, a {@code Constant} node's value, or what folding computed from them. Floating-point
 * values are held as float32 and integers (and booleans) as int64; a value that stands for the
 * batch size, which only the running graph knows, is {@link #BATCH} (so that a {@code Shape} of an
 * activation can still be folded into a flatten). Values stored in the file are read only when a
 * consumer asks for them, once.
 */
final class ConstTensor {
  /** An integer that is the symbolic batch size, as {@code Shape} of an activation gives it. */
  static final long BATCH = Long.MIN_VALUE;

  private final String name;
  private final long[] dims;
  private final boolean floating;
  private TensorProto proto;
  private float[] floats;
  private long[] longs;

  private ConstTensor(String name, long[] dims, boolean floating, TensorProto proto,
      float[] floats, long[] longs) {
    this.name = name;
    this.dims = dims;
    this.floating = floating;
    this.proto = proto;
    this.floats = floats;
    this.longs = longs;
  }

  /**
   * A tensor of the file, checked (type, dimensions, data size) but not yet read.
   *
   * @param name the value name it is known by (a Constant node's output, an initializer's name)
   */
  static ConstTensor of(String name, TensorProto t) {
    TensorProtos.check(t);
    long[] d = new long[t.getDimsCount()];
    for (int i = 0; i < d.length; i++) {
      d[i] = t.getDims(i);
    }
    return new ConstTensor(name, d, TensorProtos.isFloating(t.getDataType()), t, null, null);
  }

  static ConstTensor floats(String name, long[] dims, float[] values) {
    check(name, dims, values.length);
    return new ConstTensor(name, dims.clone(), true, null, values, null);
  }

  static ConstTensor longs(String name, long[] dims, long[] values) {
    check(name, dims, values.length);
    return new ConstTensor(name, dims.clone(), false, null, null, values);
  }

  private static void check(String name, long[] dims, int n) {
    if (size(dims) != n) {
      throw new IllegalStateException(name + ": " + n + " values for dimensions "
          + Arrays.toString(dims));
    }
  }

  /** The number of elements of a tensor with these dimensions. */
  static long size(long[] dims) {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  String name() {
    return name;
  }

  long[] dims() {
    return dims.clone();
  }

  int rank() {
    return dims.length;
  }

  int size() {
    return (int) size(dims);
  }

  /** True when the values are floating-point (float32 here). */
  boolean floating() {
    return floating;
  }

  /** The same values under another name. */
  ConstTensor named(String other) {
    return new ConstTensor(other, dims, floating, proto, floats, longs);
  }

  /** The same values with other dimensions of the same size. */
  ConstTensor reshaped(String other, long[] newDims) {
    if (size(newDims) != size()) {
      throw new OnnxException("cannot reshape " + size() + " values to " + Arrays.toString(newDims));
    }
    return new ConstTensor(other, newDims.clone(), floating, proto, floats, longs);
  }

  /** The values as float32; integers convert (the batch size cannot). */
  synchronized float[] floats() {
    if (floats == null) {
      if (floating) {
        floats = TensorProtos.toFloats(proto);
        proto = null;
      } else {
        long[] l = longs();
        float[] f = new float[l.length];
        for (int i = 0; i < l.length; i++) {
          if (l[i] == BATCH) {
            throw new OnnxException(name + " holds the batch size, which is only known when the"
                + " graph runs");
          }
          f[i] = l[i];
        }
        return f;
      }
    }
    return floats;
  }

  /** The values as int64; floating-point values truncate towards zero. */
  synchronized long[] longs() {
    if (longs == null) {
      if (!floating) {
        longs = TensorProtos.toLongs(proto);
        proto = null;
      } else {
        float[] f = floats();
        long[] l = new long[f.length];
        for (int i = 0; i < f.length; i++) {
          l[i] = (long) f[i];
        }
        return l;
      }
    }
    return longs;
  }

  /** True when some value stands for the batch size. */
  boolean hasBatch() {
    if (floating) {
      return false;
    }
    for (long v : longs()) {
      if (v == BATCH) {
        return true;
      }
    }
    return false;
  }

  /** The values for a message: all of a small tensor, the start of a large one. */
  String describe() {
    int n = size();
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < Math.min(n, 8); i++) {
      if (i > 0) {
        b.append(", ");
      }
      if (floating) {
        b.append(floats()[i]);
      } else {
        long v = longs()[i];
        b.append(v == BATCH ? "batch" : Long.toString(v));
      }
    }
    return b.append(n > 8 ? ", ... (" + n + " values)]" : "]").toString();
  }
}
