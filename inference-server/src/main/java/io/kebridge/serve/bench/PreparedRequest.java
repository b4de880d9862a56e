package io.kebridge.serve.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * A ready-made V2 inference body for one input of a given shape, filled with reproducible random
 * values: JSON text, or a JSON header plus little-endian binary data (the binary tensor
 * extension, also asking for binary outputs).
 *
 * @param jsonLength the {@code Inference-Header-Content-Length} to send, or -1 for plain JSON
 */
public record PreparedRequest(byte[] body, int jsonLength) {
  /** A request for input {@code input} of shape {@code shape} (batch first). */
  public static PreparedRequest of(String input, long[] shape, boolean binary, long seed) {
    long elements = 1;
    StringBuilder dims = new StringBuilder();
    for (int i = 0; i < shape.length; i++) {
      elements *= shape[i];
      dims.append(i == 0 ? "" : ",").append(shape[i]);
    }
    SplittableRandom r = new SplittableRandom(seed);
    float[] values = new float[Math.toIntExact(elements)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (r.nextDouble() * 2 - 1);
    }
    String head = "{\"inputs\":[{\"name\":\"" + input + "\",\"shape\":[" + dims
        + "],\"datatype\":\"FP32\",";
    if (!binary) {
      StringBuilder s = new StringBuilder(head).append("\"data\":[");
      for (int i = 0; i < values.length; i++) {
        s.append(i == 0 ? "" : ",").append(values[i]);
      }
      s.append("]}]}");
      return new PreparedRequest(s.toString().getBytes(StandardCharsets.UTF_8), -1);
    }
    byte[] json = (head + "\"parameters\":{\"binary_data_size\":" + (values.length * 4L)
        + "}}],\"parameters\":{\"binary_data_output\":true}}").getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(json.length + values.length * 4)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.put(json);
    for (float v : values) {
      b.putFloat(v);
    }
    return new PreparedRequest(b.array(), json.length);
  }
}
