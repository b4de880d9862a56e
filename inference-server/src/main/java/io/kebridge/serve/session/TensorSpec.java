package io.kebridge.serve.session;

import io.kebridge.serve.protocol.Datatype;
import java.util.Arrays;

/**
 * A model input or output as the V2 metadata describes it: name, datatype and shape, where -1
 * marks a variable dimension (the batch).
 */
public record TensorSpec(String name, Datatype datatype, long[] shape) {
  /** Copies the shape. */
  public TensorSpec {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** True when the first dimension is variable, so that requests can be stacked along it. */
  public boolean batched() {
    return shape.length > 0 && shape[0] < 0;
  }

  /** Elements in one row: the product of every dimension after the batch (all must be fixed). */
  public long rowElements() {
    long n = 1;
    for (int i = batched() ? 1 : 0; i < shape.length; i++) {
      n *= Math.max(shape[i], 1);
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t && t.name.equals(name) && t.datatype == datatype
        && Arrays.equals(t.shape, shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + " " + datatype + " " + Arrays.toString(shape);
  }
}
