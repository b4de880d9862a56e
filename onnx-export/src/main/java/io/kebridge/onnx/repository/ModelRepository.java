package io.kebridge.onnx.repository;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.graph.OnnxFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.regex.Pattern;

/**
 * Writes models into a Triton-style model repository, {@code REPO/NAME/VERSION/model.onnx} beside
 * {@code REPO/NAME/config.pbtxt}, so that the same folder is served by ke-bridge's server or by
 * Triton's ONNX Runtime backend unchanged. The config is derived from the model's own graph
 * (names, float32, dims without the batch dimension), never typed by hand.
 */
public final class ModelRepository {
  /** File name of the model inside a version folder, as Triton expects it. */
  public static final String MODEL_FILE = "model.onnx";

  /** File name of the model configuration. */
  public static final String CONFIG_FILE = "config.pbtxt";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  private ModelRepository() {}

  /**
   * Writes one version of a model and (re)writes its configuration.
   *
   * @param maxBatchSize the largest batch the server may form (Triton's {@code max_batch_size})
   * @return the model file written
   */
  public static Path write(Path repository, String name, int version, ModelProto model,
      int maxBatchSize) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new OnnxException("model name '" + name + "' must be letters, digits, '_', '.' or '-'"
          + " (it becomes a folder and a URL path segment)");
    }
    if (version <= 0) {
      throw new OnnxException("model version must be a positive integer (Triton's version folders"
          + " are 1, 2, ...), got " + version);
    }
    String config = tritonConfig(name, model, maxBatchSize);
    Path file = repository.resolve(name).resolve(Integer.toString(version)).resolve(MODEL_FILE);
    OnnxFiles.write(model, file);
    AtomicFiles.writeString(repository.resolve(name).resolve(CONFIG_FILE), config);
    return file;
  }

  /** The {@code config.pbtxt} text for a model with a dynamic batch dimension. */
  public static String tritonConfig(String name, ModelProto model, int maxBatchSize) {
    if (maxBatchSize <= 0) {
      throw new OnnxException("max batch size must be positive, got " + maxBatchSize);
    }
    StringBuilder s = new StringBuilder();
    s.append("# written by ke-bridge: the model's inputs and outputs, batch dimension left out\n");
    s.append("name: \"").append(name).append("\"\n");
    s.append("platform: \"onnxruntime_onnx\"\n");
    s.append("max_batch_size: ").append(maxBatchSize).append('\n');
    List<ValueInfoProto> inputs = new ArrayList<>();
    Set<String> initializers = model.getGraph().getInitializerList().stream()
        .map(TensorProto::getName).collect(Collectors.toSet());
    for (ValueInfoProto v : model.getGraph().getInputList()) {
      if (!initializers.contains(v.getName())) {
        inputs.add(v);
      }
    }
    block(s, "input", inputs);
    block(s, "output", model.getGraph().getOutputList());
    return s.toString();
  }

  private static void block(StringBuilder s, String kind, List<ValueInfoProto> values) {
    s.append(kind).append(" [\n");
    for (int i = 0; i < values.size(); i++) {
      ValueInfoProto v = values.get(i);
      if (v.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
        throw new OnnxException(kind + " " + v.getName() + " is not float32; ke-bridge writes"
            + " configs for float32 models only");
      }
      TensorShapeProto shape = v.getType().getTensorType().getShape();
      if (shape.getDimCount() == 0 || shape.getDim(0).hasDimValue()) {
        throw new OnnxException(kind + " " + v.getName() + " has no dynamic batch dimension;"
            + " Triton's max_batch_size needs one");
      }
      List<String> dims = new ArrayList<>();
      for (int d = 1; d < shape.getDimCount(); d++) {
        dims.add(shape.getDim(d).hasDimValue() ? Long.toString(shape.getDim(d).getDimValue()) : "-1");
      }
      s.append("  {\n");
      s.append("    name: \"").append(v.getName()).append("\"\n");
      s.append("    data_type: TYPE_FP32\n");
      s.append("    dims: [ ").append(String.join(", ", dims)).append(" ]\n");
      s.append(i == values.size() - 1 ? "  }\n" : "  },\n");
    }
    s.append("]\n");
  }
}
