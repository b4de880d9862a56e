package io.kebridge.serve.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.kebridge.serve.ServeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes V2 REST inference responses with Jackson's streaming generator. Outputs marked binary go
 * after the JSON, announced by {@code binary_data_size}: FP32 as raw little-endian floats, BYTES
 * as a 4-byte little-endian length before each element's bytes ({@link TensorBytes}); the caller
 * sets {@code Inference-Header-Content-Length} to {@link EncodedBody#jsonLength}.
 */
public final class InferResponseWriter {
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
      .build();

  private InferResponseWriter() {}

  /** Encodes {@code result}. */
  public static EncodedBody write(InferResult result) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + result.outputs().stream()
        .mapToInt(o -> o.binary() || o.values() == null ? 0 : o.values().length * 12).sum());
    boolean anyBinary = false;
    byte[][] binary = new byte[result.outputs().size()][];
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("model_name", result.model());
      g.writeStringField("model_version", Long.toString(result.version()));
      if (result.id() != null) {
        g.writeStringField("id", result.id());
      }
      g.writeArrayFieldStart("outputs");
      for (int i = 0; i < result.outputs().size(); i++) {
        OutputTensor o = result.outputs().get(i);
        g.writeStartObject();
        g.writeStringField("name", o.name());
        g.writeStringField("datatype", o.datatype().name());
        g.writeArrayFieldStart("shape");
        for (long d : o.shape()) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        if (o.binary()) {
          anyBinary = true;
          binary[i] = TensorBytes.encode(o);
          g.writeObjectFieldStart("parameters");
          g.writeNumberField("binary_data_size", binary[i].length);
          g.writeEndObject();
        } else {
          g.writeArrayFieldStart("data");
          if (o.values() != null) {
            for (float v : o.values()) {
              g.writeNumber(v);
            }
          } else {
            for (String s : o.strings()) {
              g.writeString(s);
            }
          }
          g.writeEndArray();
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw ServeException.internal("cannot encode the response: " + e.getMessage(), e);
    }
    if (!anyBinary) {
      return new EncodedBody(out.toByteArray(), -1);
    }
    int jsonLength = out.size();
    for (byte[] b : binary) {
      if (b != null) {
        out.write(b, 0, b.length);
      }
    }
    return new EncodedBody(out.toByteArray(), jsonLength);
  }

  /** Raw little-endian bytes of FP32 values. */
  static byte[] floats(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b.array();
  }
}
