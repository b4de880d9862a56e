package io.kebridge.serve.protocol;

import io.kebridge.serve.ServeException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The raw tensor layout both protocols share (REST's binary extension, gRPC's {@code
 * raw_input_contents} and {@code raw_output_contents}): row-major, little-endian, no padding; a
 * BYTES element is a 4-byte little-endian length followed by its bytes.
 */
public final class TensorBytes {
  private TensorBytes() {}

  /** The raw bytes of an output. */
  public static byte[] encode(OutputTensor o) {
    if (o.values() != null) {
      return InferResponseWriter.floats(o.values());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    for (String s : o.strings()) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      len.clear();
      len.putInt(b.length);
      out.write(len.array(), 0, 4);
      out.write(b, 0, b.length);
    }
    return out.toByteArray();
  }

  /**
   * FP32 values from {@code size} raw bytes of {@code buffer} at {@code offset}, refusing NaN and
   * infinities; {@code what} names the input in errors.
   */
  public static float[] floats(ByteBuffer buffer, String what) {
    if (buffer.remaining() % Float.BYTES != 0) {
      throw ServeException.badRequest(what + ": " + buffer.remaining()
          + " raw bytes are not a whole number of FP32 values");
    }
    float[] data = new float[buffer.remaining() / Float.BYTES];
    buffer.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
    for (float v : data) {
      if (!Float.isFinite(v)) {
        throw ServeException.badRequest(what + " holds a NaN or infinite value");
      }
    }
    return data;
  }
}
