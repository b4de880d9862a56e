package io.kebridge.serve.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.kebridge.serve.ServeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes V2 inference responses with Jackson's streaming generator. Outputs marked binary go after
 * the JSON as raw little-endian FP32 bytes, announced by {@code binary_data_size}; the caller sets
 * {@code Inference-Header-Content-Length} to {@link EncodedBody#jsonLength}.
 */
public final class InferResponseWriter {
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
      .build();

  private InferResponseWriter() {}

  /** Encodes a response for model {@code model} at {@code version}, echoing {@code id}. */
  public static EncodedBody write(String model, long version, String id,
      List<OutputTensor> outputs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + outputs.stream()
        .mapToInt(o -> o.binary() ? 0 : o.data().length * 12).sum());
    boolean anyBinary = false;
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("model_name", model);
      g.writeStringField("model_version", Long.toString(version));
      if (id != null) {
        g.writeStringField("id", id);
      }
      g.writeArrayFieldStart("outputs");
      for (OutputTensor o : outputs) {
        g.writeStartObject();
        g.writeStringField("name", o.name());
        g.writeStringField("datatype", Datatype.FP32.name());
        g.writeArrayFieldStart("shape");
        for (long d : o.shape()) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        if (o.binary()) {
          anyBinary = true;
          g.writeObjectFieldStart("parameters");
          g.writeNumberField("binary_data_size", (long) o.data().length * Float.BYTES);
          g.writeEndObject();
        } else {
          g.writeArrayFieldStart("data");
          for (float v : o.data()) {
            g.writeNumber(v);
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
    for (OutputTensor o : outputs) {
      if (o.binary()) {
        ByteBuffer b = ByteBuffer.allocate(o.data().length * Float.BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(o.data());
        out.write(b.array(), 0, b.capacity());
      }
    }
    return new EncodedBody(out.toByteArray(), jsonLength);
  }
}
