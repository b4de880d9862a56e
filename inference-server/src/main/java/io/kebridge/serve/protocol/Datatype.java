package io.kebridge.serve.protocol;

import ai.onnxruntime.OnnxJavaType;
import java.util.Arrays;
import java.util.Optional;

/** The tensor datatypes of the V2 protocol, with their size in the binary extension. */
public enum Datatype {
  BOOL(1), UINT8(1), UINT16(2), UINT32(4), UINT64(8), INT8(1), INT16(2), INT32(4), INT64(8),
  FP16(2), FP32(4), FP64(8), BYTES(-1);

  private final int bytes;

  Datatype(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element in the binary tensor extension; -1 for variable-length BYTES. */
  public int bytes() {
    return bytes;
  }

  /** The datatype named {@code name} exactly as the protocol spells it, if any. */
  public static Optional<Datatype> of(String name) {
    return Arrays.stream(values()).filter(d -> d.name().equals(name)).findFirst();
  }

  /** The protocol datatype of an ONNX Runtime element type. */
  public static Datatype of(OnnxJavaType type) {
    return switch (type) {
      case FLOAT -> FP32;
      case DOUBLE -> FP64;
      case INT8 -> INT8;
      case UINT8 -> UINT8;
      case INT16 -> INT16;
      case INT32 -> INT32;
      case INT64 -> INT64;
      case BOOL -> BOOL;
      case FLOAT16, BFLOAT16 -> FP16;
      case STRING -> BYTES;
      default -> BYTES;
    };
  }
}
