package io.kebridge.models.spec;

import java.util.Arrays;

/**
 * One parameter tensor of a network: its name ({@code layer.weight}, {@code bn1.running_mean}, the
 * PyTorch naming), the layer that owns it, its kind and its shape in the canonical layout
 * ({@code [out, in, kh, kw]} for convolutions, {@code [out, in]} for dense layers).
 */
public record ParamSpec(String name, String layer, ParamKind kind, int[] shape) {
  public ParamSpec {
    shape = shape.clone();
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Number of scalar elements. */
  public long elements() {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParamSpec p
        && name.equals(p.name)
        && layer.equals(p.layer)
        && kind == p.kind
        && Arrays.equals(shape, p.shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
