package io.kebridge.serve.repository;

import io.kebridge.models.card.ModelCard;
import io.kebridge.modelconfig.proto.DataType;
import io.kebridge.modelconfig.proto.ModelConfig;
import io.kebridge.modelconfig.proto.ModelDynamicBatching;
import io.kebridge.modelconfig.proto.ModelInput;
import io.kebridge.modelconfig.proto.ModelInstanceGroup;
import io.kebridge.modelconfig.proto.ModelOutput;
import io.kebridge.modelconfig.proto.ModelParameter;
import io.kebridge.modelconfig.proto.ModelQueuePolicy;
import io.kebridge.modelconfig.proto.ModelVersionPolicy;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.batching.BatchingSettings;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.config.VersionPolicy;
import io.kebridge.serve.session.ModelSession;
import io.kebridge.serve.session.SessionSettings;
import io.kebridge.serve.session.TensorSpec;
import io.kebridge.serve.warmup.WarmupSample;
import io.kebridge.serve.warmup.Warmups;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a model's {@code config.pbtxt} (or its absence), the opened ONNX model and the server's
 * settings into the {@link ResolvedConfig} it is served with, Triton's way: {@code max_batch_size}
 * is the model's limit (capped by the server's {@code max-batch-size}), requests are merged only
 * when the file has a {@code dynamic_batching} block, {@code instance_group} counts are batch
 * workers, and inputs and outputs the file lists must match the model. A model without a file is
 * served with the server's settings and dynamic batching on.
 */
public final class ConfigResolver {
  /** The ONNX Runtime backend's parameters that are honoured (session threads). */
  static final Set<String> PARAMETERS = Set.of("intra_op_thread_count", "inter_op_thread_count");

  private ConfigResolver() {}

  /** The session settings: the server's, with the file's thread-count parameters applied. */
  public static SessionSettings sessionSettings(ModelEntry entry, SessionSettings server) {
    ModelConfig file = entry.fileConfig().orElse(ModelConfig.getDefaultInstance());
    ModelParameter intra = file.getParametersMap().get("intra_op_thread_count");
    if (intra == null) {
      return server;
    }
    try {
      int n = Integer.parseInt(intra.getStringValue().trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return new SessionSettings(n, server.optimizationLevel(), server.spinning());
    } catch (NumberFormatException e) {
      throw problem(entry, "parameter intra_op_thread_count must be a non-negative integer, got '"
          + intra.getStringValue() + "'");
    }
  }

  /** The complete configuration of {@code session}, a version of {@code entry}. */
  public static ResolvedConfig resolve(ModelEntry entry, ModelSession session,
      ServerConfig server) {
    boolean hasFile = entry.config() != null;
    ModelConfig file = entry.fileConfig().orElse(ModelConfig.getDefaultInstance());
    List<String> ignored = new ArrayList<>(hasFile ? entry.config().ignored() : List.of());
    checkIdentity(entry, file);
    boolean batchable = session.batchable();
    int declared = hasFile ? file.getMaxBatchSize() : (batchable ? server.maxBatchSize() : 0);
    if (declared < 0) {
      throw problem(entry, "max_batch_size must not be negative, got " + declared);
    }
    if (declared > 0 && !batchable) {
      throw problem(entry, "max_batch_size is " + declared + " but model.onnx has no variable"
          + " batch dimension on every input and output; set max_batch_size: 0");
    }
    boolean merge = declared > 0 && (!hasFile || file.hasDynamicBatching());
    int limit = declared > 0 ? Math.min(declared, server.maxBatchSize()) : 1;
    ModelDynamicBatching dyn = file.getDynamicBatching();
    // 0 (proto3's unset) means the server's delay, in which a batch waits only while another
    // request is on its way; so the `dynamic_batching {}` that ke export writes batches well here.
    Duration delay = dyn.getMaxQueueDelayMicroseconds() > 0
        ? Duration.ofNanos(dyn.getMaxQueueDelayMicroseconds() * 1000) : server.maxQueueDelay();
    List<Integer> preferred = new ArrayList<>();
    for (int p : dyn.getPreferredBatchSizeList()) {
      if (p < 1 || p > Math.max(declared, 1)) {
        throw problem(entry, "preferred_batch_size " + p + " is outside 1.." + declared);
      }
      preferred.add(p);
    }
    ModelQueuePolicy queue = dyn.getDefaultQueuePolicy();
    int queueSize = queue.getMaxQueueSize() > 0 ? queue.getMaxQueueSize() : server.maxQueueSize();
    Duration timeout = queue.getTimeoutAction() == ModelQueuePolicy.TimeoutAction.REJECT
        ? Duration.ofNanos(queue.getDefaultTimeoutMicroseconds() * 1000) : Duration.ZERO;
    int workers = workers(entry, file, server, ignored);
    BatchingSettings batching = new BatchingSettings(merge, limit, delay, preferred, queueSize,
        timeout, workers);

    for (String key : file.getParametersMap().keySet()) {
      if (!PARAMETERS.contains(key)) {
        ignored.add("parameters." + key);
      }
    }
    List<ModelInput> inputs = inputs(entry, file, session, declared > 0);
    List<ModelOutput> outputs = outputs(entry, file, session, declared > 0);
    Map<String, List<String>> labels = labels(entry, outputs, session);
    ModelConfig.Builder complete = ModelConfig.newBuilder()
        .setName(entry.name())
        .setPlatform("onnxruntime_onnx")
        .setBackend("onnxruntime")
        .setVersionPolicy(file.hasVersionPolicy() ? file.getVersionPolicy()
            : server.versionPolicy() == VersionPolicy.ALL
                ? ModelVersionPolicy.newBuilder().setAll(ModelVersionPolicy.All.getDefaultInstance())
                    .build()
                : ModelVersionPolicy.newBuilder().setLatest(
                    ModelVersionPolicy.Latest.newBuilder().setNumVersions(1)).build())
        .setMaxBatchSize(declared > 0 ? limit : 0)
        .addAllInput(inputs)
        .addAllOutput(outputs)
        .addInstanceGroup(ModelInstanceGroup.newBuilder().setName(entry.name())
            .setCount(workers).setKind(ModelInstanceGroup.Kind.KIND_CPU))
        .setDefaultModelFilename(file.getDefaultModelFilename().isEmpty()
            ? RepositoryScanner.DEFAULT_MODEL_FILE : file.getDefaultModelFilename())
        .putAllParameters(file.getParametersMap())
        .addAllModelWarmup(file.getModelWarmupList());
    if (merge) {
      complete.setDynamicBatching(ModelDynamicBatching.newBuilder()
          .addAllPreferredBatchSize(preferred)
          .setMaxQueueDelayMicroseconds(delay.toNanos() / 1000)
          .setDefaultQueuePolicy(ModelQueuePolicy.newBuilder()
              .setTimeoutAction(queue.getTimeoutAction())
              .setDefaultTimeoutMicroseconds(queue.getDefaultTimeoutMicroseconds())
              .setMaxQueueSize(queueSize)));
    }
    ModelConfig config = complete.build();
    List<WarmupSample> warmups;
    try {
      warmups = file.getModelWarmupCount() > 0
          ? Warmups.fromConfig(config, session, entry.dir())
          : Warmups.defaults(session, batching, server.warmupMaxBatchSize());
    } catch (ServeException e) {
      throw problem(entry, e.getMessage());
    }
    return new ResolvedConfig(config, batching, labels, warmups, ignored);
  }

  private static void checkIdentity(ModelEntry entry, ModelConfig file) {
    if (!file.getName().isEmpty() && !file.getName().equals(entry.name())) {
      throw problem(entry, "name \"" + file.getName() + "\" differs from the folder name "
          + entry.name());
    }
    String platform = file.getPlatform();
    if (!platform.isEmpty() && !platform.equals("onnxruntime_onnx")) {
      throw problem(entry, "platform \"" + platform + "\" is not served here (ONNX Runtime only:"
          + " onnxruntime_onnx)");
    }
    String backend = file.getBackend();
    if (!backend.isEmpty() && !backend.equals("onnxruntime")) {
      throw problem(entry, "backend \"" + backend + "\" is not served here (onnxruntime only)");
    }
  }

  private static int workers(ModelEntry entry, ModelConfig file, ServerConfig server,
      List<String> ignored) {
    if (file.getInstanceGroupCount() == 0) {
      return server.batchWorkers();
    }
    int n = 0;
    for (ModelInstanceGroup g : file.getInstanceGroupList()) {
      if (g.getKind() == ModelInstanceGroup.Kind.KIND_GPU) {
        ignored.add("ModelInstanceGroup.kind KIND_GPU (this server runs on the CPU)");
      }
      n += Math.max(1, g.getCount());
    }
    if (n > 64) {
      throw problem(entry, "instance_group asks for " + n + " instances; at most 64");
    }
    return n;
  }

  private static List<ModelInput> inputs(ModelEntry entry, ModelConfig file, ModelSession session,
      boolean batched) {
    Map<String, ModelInput> given = new HashMap<>();
    for (ModelInput in : file.getInputList()) {
      if (session.input(in.getName()).isEmpty()) {
        throw problem(entry, "input \"" + in.getName() + "\" is not an input of the model "
            + names(session.inputs()));
      }
      given.put(in.getName(), in);
    }
    List<ModelInput> out = new ArrayList<>();
    for (TensorSpec t : session.inputs()) {
      ModelInput in = given.getOrDefault(t.name(), ModelInput.getDefaultInstance());
      List<Long> dims = dims(t, batched);
      checkTensor(entry, "input", t, in.getDataType(), in.getDimsList(), dims);
      out.add(ModelInput.newBuilder().setName(t.name()).setDataType(DataType.TYPE_FP32)
          .setFormat(in.getFormat()).addAllDims(dims).build());
    }
    return out;
  }

  private static List<ModelOutput> outputs(ModelEntry entry, ModelConfig file,
      ModelSession session, boolean batched) {
    Map<String, ModelOutput> given = new HashMap<>();
    for (ModelOutput o : file.getOutputList()) {
      if (session.output(o.getName()).isEmpty()) {
        throw problem(entry, "output \"" + o.getName() + "\" is not an output of the model "
            + names(session.outputs()));
      }
      given.put(o.getName(), o);
    }
    List<ModelOutput> out = new ArrayList<>();
    for (TensorSpec t : session.outputs()) {
      ModelOutput o = given.getOrDefault(t.name(), ModelOutput.getDefaultInstance());
      List<Long> dims = dims(t, batched);
      checkTensor(entry, "output", t, o.getDataType(), o.getDimsList(), dims);
      out.add(ModelOutput.newBuilder().setName(t.name()).setDataType(DataType.TYPE_FP32)
          .addAllDims(dims).setLabelFilename(o.getLabelFilename()).build());
    }
    return out;
  }

  private static void checkTensor(ModelEntry entry, String kind, TensorSpec t, DataType type,
      List<Long> written, List<Long> actual) {
    if (type != DataType.TYPE_INVALID && type != DataType.TYPE_FP32) {
      throw problem(entry, kind + " \"" + t.name() + "\" is " + type + " in config.pbtxt but"
          + " TYPE_FP32 in the model");
    }
    if (written.isEmpty()) {
      return;
    }
    boolean same = written.size() == actual.size();
    for (int i = 0; same && i < written.size(); i++) {
      long w = written.get(i);
      long a = actual.get(i);
      same = w == a || w == -1 || a == -1;
    }
    if (!same) {
      throw problem(entry, kind + " \"" + t.name() + "\" has dims " + written + " in config.pbtxt"
          + " but " + actual + " in the model (dims leave out the batch when max_batch_size > 0)");
    }
  }

  private static List<Long> dims(TensorSpec t, boolean batched) {
    long[] shape = t.shape();
    List<Long> dims = new ArrayList<>();
    for (int i = batched ? 1 : 0; i < shape.length; i++) {
      dims.add(shape[i]);
    }
    return dims;
  }

  private static Map<String, List<String>> labels(ModelEntry entry, List<ModelOutput> outputs,
      ModelSession session) {
    Map<String, List<String>> labels = new HashMap<>();
    List<String> card = session.card().map(ModelCard::labels).orElse(List.of());
    for (ModelOutput o : outputs) {
      String fileName = o.getLabelFilename();
      if (!fileName.isEmpty()) {
        Path file = entry.dir().resolve(fileName).normalize();
        if (!file.startsWith(entry.dir().normalize()) || !Files.isRegularFile(file)) {
          throw problem(entry, "label_filename \"" + fileName + "\" of output \"" + o.getName()
              + "\" is not a file in " + entry.dir());
        }
        try {
          labels.put(o.getName(), Files.readAllLines(file, StandardCharsets.UTF_8).stream()
              .filter(l -> !l.isBlank()).toList());
        } catch (IOException e) {
          throw problem(entry, "cannot read " + file + ": " + e.getMessage());
        }
      } else if (!card.isEmpty() && !o.getDimsList().isEmpty()
          && o.getDims(o.getDimsCount() - 1) == card.size()) {
        labels.put(o.getName(), card);
      }
    }
    return labels;
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }

  private static ServeException problem(ModelEntry entry, String message) {
    return ServeException.internal(entry.name() + "/config.pbtxt: " + message, null);
  }

  static String describe(long[] shape) {
    return Arrays.toString(shape);
  }
}
