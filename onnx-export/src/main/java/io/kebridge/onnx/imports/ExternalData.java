package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.kebridge.onnx.OnnxException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Weights that a model keeps in files beside it (what torch.onnx's default exporter writes since
 * PyTorch 2.9, and any model over 2 GB): read into the model, so that the importer and the import
 * check see one self-contained model. A location must name a file inside the model's folder, and
 * the bytes it announces (offset and length) must be there and be what the tensor's dimensions
 * need, before they are read.
 */
final class ExternalData {
  private ExternalData() {}

  /** True when some initializer of the graph keeps its data elsewhere. */
  static boolean used(ModelProto model) {
    for (TensorProto t : model.getGraph().getInitializerList()) {
      if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
        return true;
      }
    }
    return false;
  }

  /**
   * The model with every external initializer's data read from {@code folder}.
   *
   * @param source what to call the model in errors
   */
  static ModelProto inline(ModelProto model, Path folder, String source) {
    if (!used(model)) {
      return model;
    }
    Path base = folder.toAbsolutePath().normalize();
    ModelProto.Builder b = model.toBuilder();
    GraphProto.Builder g = b.getGraphBuilder();
    for (int i = 0; i < g.getInitializerCount(); i++) {
      TensorProto t = g.getInitializer(i);
      if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
        g.setInitializer(i, read(t, base, source));
      }
    }
    return b.build();
  }

  private static TensorProto read(TensorProto t, Path base, String source) {
    String location = null;
    long offset = 0;
    long length = -1;
    for (StringStringEntryProto e : t.getExternalDataList()) {
      try {
        switch (e.getKey()) {
          case "location" -> location = e.getValue();
          case "offset" -> offset = Long.parseLong(e.getValue());
          case "length" -> length = Long.parseLong(e.getValue());
          default -> {
            // checksum and others: not needed to read the bytes
          }
        }
      } catch (NumberFormatException x) {
        throw new OnnxException(source + ": tensor " + t.getName() + " has an external "
            + e.getKey() + " '" + e.getValue() + "' that is not a number");
      }
    }
    if (location == null || location.isEmpty()) {
      throw new OnnxException(source + ": tensor " + t.getName() + " keeps its data in an"
          + " external file but names none");
    }
    Path file = base.resolve(location).normalize();
    if (!file.startsWith(base)) {
      throw new OnnxException(source + ": tensor " + t.getName() + " keeps its data in "
          + location + ", outside the model's folder; ke-bridge reads external data only beside"
          + " the model");
    }
    long need = bytesNeeded(t, source);
    if (length >= 0 && length != need) {
      throw new OnnxException(source + ": tensor " + t.getName() + " announces " + length
          + " bytes of external data, its dimensions need " + need);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (offset < 0 || offset > size || size - offset < need) {
        throw new OnnxException(source + ": tensor " + t.getName() + " needs " + need
            + " bytes at offset " + offset + " of " + location + ", which holds " + size
            + " (is the data file truncated?)");
      }
      ByteBuffer buf = ByteBuffer.allocate((int) need);
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset + buf.position()) < 0) {
          throw new OnnxException(source + ": " + location + " ended early");
        }
      }
      buf.flip();
      return t.toBuilder().clearExternalData().setDataLocation(TensorProto.DataLocation.DEFAULT)
          .setRawData(ByteString.copyFrom(buf)).build();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new OnnxException(source + ": tensor " + t.getName() + " keeps its data in "
          + location + ", which is not beside the model (" + file + " does not exist)", e);
    } catch (IOException e) {
      throw new OnnxException(source + ": cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The bytes a tensor's dimensions and type need, checked against overflow. */
  private static long bytesNeeded(TensorProto t, String source) {
    TensorProto probe = t.toBuilder().clearExternalData()
        .setDataLocation(TensorProto.DataLocation.DEFAULT).build();
    long n = 1;
    for (long d : t.getDimsList()) {
      if (d < 0 || d != 0 && n > Integer.MAX_VALUE / d) {
        throw new OnnxException(source + ": tensor " + t.getName() + " announces dimensions "
            + t.getDimsList() + ", more values than ke-bridge (or any Java array) holds");
      }
      n *= d;
    }
    int size = switch (TensorProto.DataType.forNumber(probe.getDataType()) == null
        ? TensorProto.DataType.UNDEFINED : TensorProto.DataType.forNumber(probe.getDataType())) {
      case DOUBLE, INT64, UINT64 -> 8;
      case FLOAT, INT32, UINT32 -> 4;
      case FLOAT16, BFLOAT16, INT16, UINT16 -> 2;
      case INT8, UINT8, BOOL -> 1;
      default -> throw new OnnxException(source + ": tensor " + t.getName() + " has data type "
          + io.kebridge.onnx.graph.TensorProtos.dataTypeName(probe.getDataType())
          + "; ke-bridge reads floating-point weights and integer shapes only");
    };
    if (n * size > Integer.MAX_VALUE) {
      throw new OnnxException(source + ": tensor " + t.getName() + " holds more than 2 GB");
    }
    return n * size;
  }
}
