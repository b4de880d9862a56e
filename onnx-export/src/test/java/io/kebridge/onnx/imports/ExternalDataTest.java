package io.kebridge.onnx.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.graph.OnnxFiles;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights kept beside the model (torch.onnx's default since PyTorch 2.9): read from the model's
 * folder when they are there and whole, refused with the file named when they are missing, cut
 * short or outside the folder.
 */
class ExternalDataTest {

  /** The zoo-style VGG with every weight moved into {@code weights.bin} beside {@code file}. */
  private static Path externalise(Path dir, String location) throws Exception {
    ModelProto.Builder b = ForeignModels.zooVgg(1).toBuilder();
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (int i = 0; i < b.getGraph().getInitializerCount(); i++) {
      TensorProto t = b.getGraph().getInitializer(i);
      byte[] raw = t.getRawData().toByteArray();
      long offset = data.size();
      data.write(raw);
      b.getGraphBuilder().setInitializer(i, t.toBuilder().clearRawData()
          .setDataLocation(TensorProto.DataLocation.EXTERNAL)
          .addExternalData(entry("location", location))
          .addExternalData(entry("offset", Long.toString(offset)))
          .addExternalData(entry("length", Integer.toString(raw.length))));
    }
    Files.write(dir.resolve("weights.bin"), data.toByteArray());
    Path file = dir.resolve("vgg.onnx");
    OnnxFiles.write(b.build(), file);
    return file;
  }

  private static StringStringEntryProto entry(String k, String v) {
    return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
  }

  @Test
  void weightsBesideTheModelAreReadAndGiveTheSameNetwork(@TempDir Path dir) throws Exception {
    ImportedModel inside = OnnxImporter.convert(ForeignModels.zooVgg(1), "vgg.onnx");
    ImportedModel beside = OnnxImporter.read(externalise(dir, "weights.bin"));
    assertEquals(inside.spec(), beside.spec());
    for (String n : inside.weights().names()) {
      assertTrue(Arrays.equals(inside.weights().get(n).data(), beside.weights().get(n).data()), n);
    }
  }

  @Test
  void missingTruncatedOrEscapingDataIsNamed(@TempDir Path dir) throws Exception {
    Path file = externalise(dir, "weights.bin");
    byte[] data = Files.readAllBytes(dir.resolve("weights.bin"));
    Files.write(dir.resolve("weights.bin"), Arrays.copyOf(data, data.length - 10));
    OnnxException cut = assertThrows(OnnxException.class, () -> OnnxImporter.read(file));
    assertTrue(cut.getMessage().contains("is the data file truncated?"), cut.getMessage());
    Files.delete(dir.resolve("weights.bin"));
    OnnxException gone = assertThrows(OnnxException.class, () -> OnnxImporter.read(file));
    assertTrue(gone.getMessage().contains("which is not beside the model"), gone.getMessage());
    Path out = externalise(dir, "../weights.bin");
    OnnxException escape = assertThrows(OnnxException.class, () -> OnnxImporter.read(out));
    assertTrue(escape.getMessage().contains("outside the model's folder"), escape.getMessage());
    // and parsed without its folder, the model says where its weights are
    OnnxException bytes = assertThrows(OnnxException.class,
        () -> OnnxImporter.convert(OnnxFiles.read(out), "vgg.onnx"));
    assertTrue(bytes.getMessage().contains("keeps its data in an external file"),
        bytes.getMessage());
  }
}
