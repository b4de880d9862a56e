package io.kebridge.models.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kebridge.models.ModelException;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.io.JsonErrors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes {@link Weights} in the safetensors format (an 8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
 * little-endian data), so weights move to and from PyTorch, JAX and others without conversion.
 * Writes F32; reads F32, F64 and U8 into floats. Files are written atomically.
 */
public final class SafeTensors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER = 100L << 20;

  private SafeTensors() {}

  /** What a file holds: the tensors and the free-form string metadata. */
  public record Contents(Weights weights, Map<String, String> metadata) {}

  /** Writes tensors and metadata to {@code file} atomically. */
  public static void write(Path file, Weights weights, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Tensor t : weights.tensors().values()) {
      ObjectNode n = header.putObject(t.name());
      n.put("dtype", "F32");
      var shape = n.putArray("shape");
      for (int d : t.shape()) {
        shape.add(d);
      }
      long bytes = 4L * t.data().length;
      n.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] headerBytes;
    try {
      headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new ModelException("cannot encode safetensors header: " + e.getMessage(), e);
    }
    // The format asks for a header padded with spaces to a multiple of 8 bytes.
    int padded = (headerBytes.length + 7) / 8 * 8;
    byte[] head = new byte[8 + padded];
    ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
    System.arraycopy(headerBytes, 0, head, 8, headerBytes.length);
    java.util.Arrays.fill(head, 8 + headerBytes.length, head.length, (byte) ' ');
    AtomicFiles.write(
        file,
        out -> {
          out.write(head);
          ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
          for (Tensor t : weights.tensors().values()) {
            for (float v : t.data()) {
              if (!buf.hasRemaining()) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
              }
              buf.putFloat(v);
            }
          }
          out.write(buf.array(), 0, buf.position());
        });
  }

  /** Writes tensors without metadata. */
  public static void write(Path file, Weights weights) {
    write(file, weights, Map.of());
  }

  /** Reads a safetensors file; every problem names the file. */
  public static Contents read(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw bad(file, "the file is " + size + " bytes, too short for a header");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long headerLen = lenBuf.flip().getLong();
      if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
        throw bad(file, "the header length " + headerLen + " does not fit a file of " + size
            + " bytes");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      readFully(ch, hb, 8);
      JsonNode header;
      try {
        header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
      } catch (JsonProcessingException e) {
        throw bad(file, "the header is not valid JSON (" + JsonErrors.describe(e) + ")");
      }
      if (header == null || !header.isObject()) {
        throw bad(file, "the header is not a JSON object");
      }
      long dataStart = 8 + headerLen;
      long dataLen = size - dataStart;
      Map<String, String> meta = new LinkedHashMap<>();
      List<Tensor> tensors = new ArrayList<>();
      Iterator<Map.Entry<String, JsonNode>> it = header.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        tensors.add(readTensor(file, ch, e.getKey(), e.getValue(), dataStart, dataLen));
      }
      return new Contents(Weights.of(tensors), meta);
    } catch (NoSuchFileException e) {
      throw new ModelException("weights file " + file + " does not exist");
    } catch (IOException e) {
      throw new ModelException("cannot read weights file " + file + ": " + e.getMessage(), e);
    }
  }

  private static Tensor readTensor(
      Path file, FileChannel ch, String name, JsonNode n, long dataStart, long dataLen)
      throws IOException {
    String dtype = n.path("dtype").asText("");
    int elementSize =
        switch (dtype) {
          case "F32" -> 4;
          case "F64" -> 8;
          case "U8" -> 1;
          default -> throw bad(file, name + " has dtype '" + dtype + "', supported: F32, F64, U8");
        };
    JsonNode shapeNode = n.path("shape");
    JsonNode offsets = n.path("data_offsets");
    if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
      throw bad(file, name + " needs 'shape' and two 'data_offsets'");
    }
    int[] shape = new int[shapeNode.size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      long d = shapeNode.get(i).asLong(-1);
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw bad(file, name + " has an invalid dimension " + shapeNode.get(i));
      }
      shape[i] = (int) d;
      if (d != 0 && count > Integer.MAX_VALUE / d) {
        throw bad(file, name + " has shape " + shapeNode + ", more values than a tensor holds");
      }
      count *= d;
    }
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    if (begin < 0 || end < begin || end > dataLen) {
      throw bad(file, name + " has byte range [" + begin + ", " + end + ") outside the "
          + dataLen + " data bytes (truncated file?)");
    }
    if (end - begin != count * elementSize || count > Integer.MAX_VALUE) {
      throw bad(file, name + " has " + (end - begin) + " bytes, its shape needs "
          + count * elementSize);
    }
    ByteBuffer buf = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, buf, dataStart + begin);
    buf.flip();
    float[] data = new float[(int) count];
    for (int i = 0; i < data.length; i++) {
      data[i] =
          switch (elementSize) {
            case 4 -> buf.getFloat();
            case 8 -> (float) buf.getDouble();
            default -> buf.get() & 0xff;
          };
    }
    return new Tensor(name, shape, data);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
      pos += n;
    }
  }

  private static ModelException bad(Path file, String message) {
    return new ModelException("weights file " + file + " is not a valid safetensors file: "
        + message);
  }
}
