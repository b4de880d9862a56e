package io.kebridge.onnx.graph;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.onnx.OnnxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes ONNX model files. Reading tells a file that is not ONNX or is cut short apart
 * from a valid model, because Protobuf alone happily parses many random byte strings.
 */
public final class OnnxFiles {
  private OnnxFiles() {}

  /** Writes the model atomically (a crash never leaves half a file). */
  public static void write(ModelProto model, Path file) {
    try {
      AtomicFiles.write(file, model::writeTo);
    } catch (RuntimeException e) {
      throw new OnnxException("cannot write ONNX model " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads and checks a model file. */
  public static ModelProto read(Path file) {
    byte[] bytes;
    try {
      if (Files.size(file) > Integer.MAX_VALUE - 64) {
        // protobuf (and a Java array) holds at most 2 GB: larger models keep their weights in
        // external data files, which the file then names
        throw new OnnxException("ONNX model " + file + " is " + Files.size(file) + " bytes, more"
            + " than the 2 GB a protobuf file can hold; save it with external data"
            + " (onnx.save(model, path, save_as_external_data=True))");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new OnnxException("ONNX model " + file + " does not exist", e);
    } catch (IOException e) {
      throw new OnnxException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
    }
    return parse(bytes, file.toString());
  }

  /**
   * Parses model bytes and checks that they hold an ONNX model with a graph.
   *
   * @param source what to call the bytes in error messages (a file name)
   */
  public static ModelProto parse(byte[] bytes, String source) {
    if (bytes.length == 0) {
      throw new OnnxException(source + " is empty, not an ONNX model");
    }
    ModelProto model;
    try {
      model = ModelProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new OnnxException(
          source + " is not an ONNX model, or the file is truncated (" + e.getMessage() + ")", e);
    }
    if (model.getIrVersion() <= 0 || !model.hasGraph() || model.getGraph().getNodeCount() == 0
        || model.getOpsetImportCount() == 0) {
      throw new OnnxException(
          source + " is not an ONNX model (no IR version, operator set or graph nodes)");
    }
    return model;
  }

  /** The model's {@code metadata_props} as a map, in file order. */
  public static Map<String, String> metadata(ModelProto model) {
    Map<String, String> m = new LinkedHashMap<>();
    for (StringStringEntryProto e : model.getMetadataPropsList()) {
      m.put(e.getKey(), e.getValue());
    }
    return m;
  }

  /** A copy of the model whose metadata has these entries added or replaced. */
  public static ModelProto withMetadata(ModelProto model, Map<String, String> entries) {
    Map<String, String> m = metadata(model);
    m.putAll(entries);
    ModelProto.Builder b = model.toBuilder().clearMetadataProps();
    m.forEach((k, v) -> b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return b.build();
  }
}
