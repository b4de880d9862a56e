package io.kebridge.models.split;

import java.util.Arrays;

/**
 * The binary mask of one parameter tensor: 1 marks the fit hypothesis (kept across generations), 0
 * the reset hypothesis (re-initialised before every generation after the first). Same shape and
 * element order (row-major, canonical layout) as the tensor.
 */
public final class Mask {
  private final String param;
  private final int[] shape;
  private final byte[] bits;

  public Mask(String param, int[] shape, byte[] bits) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n != bits.length) {
      throw new IllegalArgumentException(
          param + ": mask has " + bits.length + " entries, shape " + Arrays.toString(shape)
              + " needs " + n);
    }
    this.param = param;
    this.shape = shape.clone();
    this.bits = bits.clone();
  }

  /** Name of the parameter this mask belongs to. */
  public String param() {
    return param;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int size() {
    return bits.length;
  }

  /** True when flat entry {@code i} belongs to the fit hypothesis. */
  public boolean isFit(int i) {
    return bits[i] != 0;
  }

  /** Number of fit entries. */
  public long fitCount() {
    long n = 0;
    for (byte b : bits) {
      n += b;
    }
    return n;
  }

  /** The mask as floats (1.0 fit, 0.0 reset), the form a graph multiplies with. */
  public float[] toFloats() {
    float[] f = new float[bits.length];
    for (int i = 0; i < bits.length; i++) {
      f[i] = bits[i];
    }
    return f;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Mask m
        && param.equals(m.param)
        && Arrays.equals(shape, m.shape)
        && Arrays.equals(bits, m.bits);
  }

  @Override
  public int hashCode() {
    return param.hashCode() * 31 + Arrays.hashCode(bits);
  }

  @Override
  public String toString() {
    return "Mask[" + param + Arrays.toString(shape) + ", fit " + fitCount() + "/" + size() + "]";
  }
}
