package io.kebridge.onnx.repository;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.modelconfig.ModelConfigText;
import io.kebridge.modelconfig.proto.DataType;
import io.kebridge.modelconfig.proto.ModelConfig;
import io.kebridge.modelconfig.proto.ModelDynamicBatching;
import io.kebridge.modelconfig.proto.ModelInput;
import io.kebridge.modelconfig.proto.ModelOutput;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.graph.OnnxFiles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Writes models into a Triton-style model repository, {@code REPO/NAME/VERSION/model.onnx} beside
 * {@code REPO/NAME/config.pbtxt} (and {@code labels.txt} when the model card has labels), so that
 * the same folder is served by ke-bridge's server or by Triton's ONNX Runtime backend unchanged.
 * The config is a {@link ModelConfig} derived from the model's own graph (names, float32, dims
 * without the batch dimension, dynamic batching, labels for the classification extension), printed
 * by protobuf's text format: the same classes the server reads it with.
 */
public final class ModelRepository {
  /** File name of the model inside a version folder, as Triton expects it. */
  public static final String MODEL_FILE = "model.onnx";

  /** File name of the model configuration. */
  public static final String CONFIG_FILE = "config.pbtxt";

  /** File name of the labels, one per line, beside the configuration. */
  public static final String LABELS_FILE = "labels.txt";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  private ModelRepository() {}

  /**
   * Writes one version of a model and (re)writes its configuration and labels.
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
    List<String> labels = labels(model);
    ModelConfig config = tritonConfig(name, model, maxBatchSize);
    Path file = repository.resolve(name).resolve(Integer.toString(version)).resolve(MODEL_FILE);
    OnnxFiles.write(model, file);
    if (!labels.isEmpty()) {
      AtomicFiles.writeString(repository.resolve(name).resolve(LABELS_FILE),
          String.join("\n", labels) + "\n");
    }
    AtomicFiles.writeString(repository.resolve(name).resolve(CONFIG_FILE),
        ModelConfigText.print(config, "written by ke-bridge: the model's inputs and outputs,"
            + " batch dimension left out"));
    return file;
  }

  /**
   * The configuration of a model with a dynamic batch dimension: name, ONNX Runtime platform,
   * {@code max_batch_size}, the tensors, {@code dynamic_batching} with the server's defaults, and
   * {@code label_filename} on outputs with one value per label of the model card.
   */
  public static ModelConfig tritonConfig(String name, ModelProto model, int maxBatchSize) {
    if (maxBatchSize <= 0) {
      throw new OnnxException("max batch size must be positive, got " + maxBatchSize);
    }
    int classes = labels(model).size();
    ModelConfig.Builder c = ModelConfig.newBuilder()
        .setName(name)
        .setPlatform("onnxruntime_onnx")
        .setMaxBatchSize(maxBatchSize)
        .setDynamicBatching(ModelDynamicBatching.getDefaultInstance());
    Set<String> initializers = model.getGraph().getInitializerList().stream()
        .map(TensorProto::getName).collect(Collectors.toSet());
    for (ValueInfoProto v : model.getGraph().getInputList()) {
      if (!initializers.contains(v.getName())) {
        c.addInput(ModelInput.newBuilder().setName(v.getName()).setDataType(DataType.TYPE_FP32)
            .addAllDims(dims("input", v)));
      }
    }
    for (ValueInfoProto v : model.getGraph().getOutputList()) {
      List<Long> dims = dims("output", v);
      ModelOutput.Builder o = ModelOutput.newBuilder().setName(v.getName())
          .setDataType(DataType.TYPE_FP32).addAllDims(dims);
      if (classes > 0 && dims.size() == 1 && dims.get(0) == classes) {
        o.setLabelFilename(LABELS_FILE);
      }
      c.addOutput(o);
    }
    return c.build();
  }

  private static List<Long> dims(String kind, ValueInfoProto v) {
    if (v.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
      throw new OnnxException(kind + " " + v.getName() + " is not float32; ke-bridge writes"
          + " configs for float32 models only");
    }
    TensorShapeProto shape = v.getType().getTensorType().getShape();
    if (shape.getDimCount() == 0 || shape.getDim(0).hasDimValue()) {
      throw new OnnxException(kind + " " + v.getName() + " has no dynamic batch dimension;"
          + " Triton's max_batch_size needs one");
    }
    return shape.getDimList().subList(1, shape.getDimCount()).stream()
        .map(d -> d.hasDimValue() ? d.getDimValue() : -1L).toList();
  }

  /** The card's labels, or none when the model carries no readable card. */
  private static List<String> labels(ModelProto model) {
    Map<String, String> meta = new HashMap<>();
    for (StringStringEntryProto e : model.getMetadataPropsList()) {
      meta.put(e.getKey(), e.getValue());
    }
    if (!meta.containsKey(CardKey.LABELS.metadataKey())) {
      return List.of();
    }
    try {
      return ModelCard.fromMetadata(meta).labels();
    } catch (ModelException e) {
      return List.of();
    }
  }
}
