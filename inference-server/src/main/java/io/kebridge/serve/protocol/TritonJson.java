package io.kebridge.serve.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import io.kebridge.serve.ServeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Base64;
import java.util.List;

/**
 * Protobuf messages as the JSON Triton's REST API answers with ({@code /config}, {@code /stats}):
 * proto field names, enum values by name, every scalar and repeated field printed even when it
 * holds its default, message fields only when set, and 64-bit integers as JSON numbers (protobuf's
 * own JSON mapping writes them as strings, which Triton turns back into numbers).
 */
public final class TritonJson {
  private static final JsonFactory JSON = new JsonFactory();

  private TritonJson() {}

  /** {@code message} as JSON bytes. */
  public static byte[] write(Message message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      message(g, message);
    } catch (IOException e) {
      throw ServeException.internal("cannot encode " + message.getDescriptorForType().getName()
          + ": " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /** A JSON array of {@code messages}. */
  public static byte[] writeArray(List<? extends Message> messages) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartArray();
      for (Message m : messages) {
        message(g, m);
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw ServeException.internal("cannot encode a list: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  private static void message(JsonGenerator g, Message m) throws IOException {
    g.writeStartObject();
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      if (f.isMapField()) {
        g.writeObjectFieldStart(f.getName());
        for (Object o : (List<?>) m.getField(f)) {
          MapEntry<?, ?> e = (MapEntry<?, ?>) o;
          g.writeFieldName(String.valueOf(e.getKey()));
          value(g, f.getMessageType().findFieldByName("value"), e.getValue());
        }
        g.writeEndObject();
      } else if (f.isRepeated()) {
        g.writeArrayFieldStart(f.getName());
        for (Object o : (List<?>) m.getField(f)) {
          value(g, f, o);
        }
        g.writeEndArray();
      } else if (f.hasPresence() && !m.hasField(f)) {
        continue;
      } else {
        g.writeFieldName(f.getName());
        value(g, f, m.getField(f));
      }
    }
    g.writeEndObject();
  }

  private static void value(JsonGenerator g, FieldDescriptor f, Object v) throws IOException {
    switch (f.getJavaType()) {
      case MESSAGE -> message(g, (Message) v);
      case ENUM -> g.writeString(((EnumValueDescriptor) v).getName());
      case BOOLEAN -> g.writeBoolean((Boolean) v);
      case STRING -> g.writeString((String) v);
      case BYTE_STRING -> g.writeString(Base64.getEncoder().encodeToString(
          ((ByteString) v).toByteArray()));
      case FLOAT -> g.writeNumber((Float) v);
      case DOUBLE -> g.writeNumber((Double) v);
      case INT -> {
        int i = (Integer) v;
        boolean unsigned = f.getType() == FieldDescriptor.Type.UINT32
            || f.getType() == FieldDescriptor.Type.FIXED32;
        g.writeNumber(unsigned ? Integer.toUnsignedLong(i) : i);
      }
      case LONG -> {
        long l = (Long) v;
        boolean unsigned = f.getType() == FieldDescriptor.Type.UINT64
            || f.getType() == FieldDescriptor.Type.FIXED64;
        if (unsigned && l < 0) {
          g.writeNumber(new BigInteger(Long.toUnsignedString(l)));
        } else {
          g.writeNumber(l);
        }
      }
    }
  }
}
