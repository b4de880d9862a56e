package io.kebridge.serve.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.kebridge.serve.ServeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads V2 inference requests with Jackson's streaming parser: numeric {@code data} arrays go
 * straight into float arrays, never into a tree of nodes, so a 150,528-value image costs one pass.
 * With the binary tensor extension the body is the JSON header ({@code jsonLength} bytes) followed
 * by the inputs' raw little-endian bytes in the order the inputs are listed. Every malformation is
 * a 400 {@link ServeException} that says what was wrong.
 */
public final class InferRequestParser {
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
      .build();

  private InferRequestParser() {}

  /** Parses a request whose whole body is JSON. */
  public static InferRequest parse(byte[] body) {
    return parse(body, body.length);
  }

  /**
   * Parses a body of which the first {@code jsonLength} bytes are the JSON header and the rest the
   * binary inputs.
   */
  public static InferRequest parse(byte[] body, int jsonLength) {
    if (jsonLength < 0 || jsonLength > body.length) {
      throw ServeException.badRequest("Inference-Header-Content-Length is " + jsonLength
          + " but the body has " + body.length + " bytes");
    }
    InferRequest header;
    try (JsonParser p = JSON.createParser(body, 0, jsonLength)) {
      header = readRequest(p);
      if (p.nextToken() != null) {
        throw ServeException.badRequest("invalid JSON: unexpected content after the request "
            + "object");
      }
    } catch (StreamConstraintsException e) {
      throw ServeException.badRequest("invalid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ServeException.badRequest("invalid JSON: " + oneLine(e.getMessage()));
    }
    return attachBinary(header, body, jsonLength);
  }

  private static InferRequest readRequest(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw ServeException.badRequest("the request must be a JSON object");
    }
    String id = null;
    List<InputTensor> inputs = null;
    List<RequestedOutput> outputs = List.of();
    boolean binaryOutputs = false;
    boolean warmup = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "id" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw ServeException.badRequest("id must be a string");
          }
          id = p.getText();
        }
        case "inputs" -> inputs = readInputs(p, t);
        case "outputs" -> outputs = readOutputs(p, t);
        case "parameters" -> {
          Map<String, Long> params = readParameters(p, t, "binary_data_output",
              InferRequest.WARMUP_PARAMETER);
          binaryOutputs = params.getOrDefault("binary_data_output", 0L) > 0;
          warmup = params.getOrDefault(InferRequest.WARMUP_PARAMETER, 0L) > 0;
        }
        default -> p.skipChildren();
      }
    }
    if (inputs == null || inputs.isEmpty()) {
      throw ServeException.badRequest("the request has no inputs");
    }
    return new InferRequest(id, inputs, outputs, binaryOutputs, warmup);
  }

  private static List<InputTensor> readInputs(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw ServeException.badRequest("inputs must be an array");
    }
    List<InputTensor> inputs = new ArrayList<>();
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        throw ServeException.badRequest("every input must be an object");
      }
      inputs.add(readInput(p, inputs.size()));
    }
    return inputs;
  }

  private static InputTensor readInput(JsonParser p, int index) throws IOException {
    String name = null;
    long[] shape = null;
    String datatype = null;
    float[] data = null;
    long binarySize = -1;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "name" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw ServeException.badRequest("input " + index + ": name must be a string");
          }
          name = p.getText();
        }
        case "shape" -> shape = readShape(p, t, index);
        case "datatype" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw ServeException.badRequest("input " + index + ": datatype must be a string");
          }
          datatype = p.getText();
        }
        case "data" -> data = readData(p, t, index);
        case "parameters" ->
            binarySize = readParameters(p, t, "binary_data_size").getOrDefault("binary_data_size",
                -1L);
        default -> p.skipChildren();
      }
    }
    String label = name == null ? "input " + index : "input '" + name + "'";
    if (name == null) {
      throw ServeException.badRequest(label + " has no name");
    }
    if (shape == null) {
      throw ServeException.badRequest(label + " has no shape");
    }
    if (datatype == null) {
      throw ServeException.badRequest(label + " has no datatype");
    }
    if (data == null && binarySize < 0) {
      throw ServeException.badRequest(label + " has neither data nor binary_data_size");
    }
    if (data != null && binarySize >= 0) {
      throw ServeException.badRequest(label + " has both data and binary_data_size");
    }
    return new InputTensor(name, shape, datatype, data, binarySize);
  }

  private static long[] readShape(JsonParser p, JsonToken t, int index) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw ServeException.badRequest("input " + index + ": shape must be an array of integers");
    }
    long[] dims = new long[4];
    int n = 0;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw ServeException.badRequest("input " + index + ": shape must hold integers, found "
            + oneLine(p.getText()));
      }
      long d = p.getLongValue();
      if (d < 0) {
        throw ServeException.badRequest("input " + index + ": shape has a negative dimension "
            + d);
      }
      if (n == 16) {
        throw ServeException.badRequest("input " + index + ": shape has more than 16 dimensions");
      }
      if (n == dims.length) {
        dims = Arrays.copyOf(dims, dims.length * 2);
      }
      dims[n++] = d;
    }
    return Arrays.copyOf(dims, n);
  }

  private static float[] readData(JsonParser p, JsonToken t, int index) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw ServeException.badRequest("input " + index + ": data must be an array");
    }
    float[] values = new float[1024];
    int n = 0;
    int depth = 1;
    while (depth > 0) {
      t = p.nextToken();
      if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
        float v = p.getFloatValue();
        if (!Float.isFinite(v)) {
          throw ServeException.badRequest("input " + index + ": data holds " + p.getText()
              + ", which is not a finite FP32 number");
        }
        if (n == values.length) {
          values = Arrays.copyOf(values, values.length * 2);
        }
        values[n++] = v;
      } else if (t == JsonToken.START_ARRAY) {
        depth++;
      } else if (t == JsonToken.END_ARRAY) {
        depth--;
      } else {
        throw ServeException.badRequest("input " + index + ": data must hold only numbers for "
            + "FP32, found " + describe(t, p));
      }
    }
    return Arrays.copyOf(values, n);
  }

  private static List<RequestedOutput> readOutputs(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw ServeException.badRequest("outputs must be an array");
    }
    List<RequestedOutput> outputs = new ArrayList<>();
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        throw ServeException.badRequest("every requested output must be an object");
      }
      String name = null;
      boolean binary = false;
      long classification = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if (field.equals("name")) {
          if (v != JsonToken.VALUE_STRING) {
            throw ServeException.badRequest("a requested output's name must be a string");
          }
          name = p.getText();
        } else if (field.equals("parameters")) {
          Map<String, Long> params = readParameters(p, v, "binary_data", "classification");
          binary = params.getOrDefault("binary_data", 0L) > 0;
          classification = params.getOrDefault("classification", 0L);
        } else {
          p.skipChildren();
        }
      }
      if (name == null) {
        throw ServeException.badRequest("a requested output has no name");
      }
      if (classification > 100_000) {
        throw ServeException.badRequest("output '" + ServeException.clip(name)
            + "': classification " + classification + " is too large");
      }
      outputs.add(new RequestedOutput(name, binary, (int) classification));
    }
    return outputs;
  }

  /**
   * Reads a parameters object and returns the values of the {@code wanted} ones that are present:
   * a boolean as 1/0, an integer as itself. Other parameters are skipped.
   */
  private static Map<String, Long> readParameters(JsonParser p, JsonToken t, String... wanted)
      throws IOException {
    if (t != JsonToken.START_OBJECT) {
      throw ServeException.badRequest("parameters must be an object");
    }
    Map<String, Long> values = new HashMap<>();
    List<String> names = List.of(wanted);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if (!names.contains(field)) {
        p.skipChildren();
      } else if (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
        values.put(field, v == JsonToken.VALUE_TRUE ? 1L : 0L);
      } else if (v == JsonToken.VALUE_NUMBER_INT
          && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER && p.getLongValue() >= 0) {
        values.put(field, p.getLongValue());
      } else {
        throw ServeException.badRequest("parameter " + field
            + " must be a boolean or a non-negative integer, found " + describe(v, p));
      }
    }
    return values;
  }

  private static InferRequest attachBinary(InferRequest header, byte[] body, int jsonLength) {
    long offset = jsonLength;
    List<InputTensor> inputs = new ArrayList<>();
    for (InputTensor in : header.inputs()) {
      if (in.binaryDataSize() < 0) {
        inputs.add(in);
        continue;
      }
      long size = in.binaryDataSize();
      if (size % Float.BYTES != 0) {
        throw ServeException.badRequest("input '" + in.name() + "': binary_data_size " + size
            + " is not a whole number of FP32 values");
      }
      if (offset + size > body.length) {
        throw ServeException.badRequest("input '" + in.name() + "': binary_data_size " + size
            + " runs past the end of the body (" + (body.length - offset)
            + " binary bytes left)");
      }
      float[] data = TensorBytes.floats(ByteBuffer.wrap(body, (int) offset, (int) size),
          "input '" + in.name() + "'");
      offset += size;
      inputs.add(new InputTensor(in.name(), in.shape(), in.datatype(), data, size));
    }
    if (offset != body.length) {
      throw ServeException.badRequest("the body has " + (body.length - offset)
          + " bytes after the JSON and the binary inputs it announces");
    }
    return new InferRequest(header.id(), inputs, header.outputs(), header.binaryOutputs(),
        header.warmup());
  }

  private static String describe(JsonToken t, JsonParser p) throws IOException {
    if (t == null) {
      return "the end of the body";
    }
    return switch (t) {
      case VALUE_STRING -> "the string \"" + oneLine(p.getText()) + "\"";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      case START_OBJECT -> "an object";
      default -> t.asString() == null ? t.name() : t.asString();
    };
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    String line = s.replaceAll("\\s+", " ");
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
