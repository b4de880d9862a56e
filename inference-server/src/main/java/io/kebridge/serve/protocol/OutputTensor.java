package io.kebridge.serve.protocol;

import java.util.List;

/**
 * One output of a V2 inference response, row-major: FP32 values, or BYTES strings (the
 * classification extension's {@code score:index:label}); and whether to send it binary.
 *
 * @param values the FP32 values, or null for BYTES
 * @param strings the BYTES elements, or null for FP32
 */
public record OutputTensor(String name, Datatype datatype, long[] shape, float[] values,
    List<String> strings, boolean binary) {
  /** An FP32 output. */
  public static OutputTensor fp32(String name, long[] shape, float[] values, boolean binary) {
    return new OutputTensor(name, Datatype.FP32, shape, values, null, binary);
  }

  /** A BYTES output of strings. */
  public static OutputTensor strings(String name, long[] shape, List<String> strings,
      boolean binary) {
    return new OutputTensor(name, Datatype.BYTES, shape, null, List.copyOf(strings), binary);
  }
}
