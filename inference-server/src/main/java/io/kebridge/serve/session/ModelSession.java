package io.kebridge.serve.session;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.protocol.Datatype;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model version: its ONNX Runtime session (thread-safe, shared by every batch worker),
 * the input and output tensors as the V2 metadata shows them, and the {@code ke.*} model card when
 * the file carries one. Owns the native session; {@link #close} releases it.
 */
public final class ModelSession implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelSession.class);

  private final String name;
  private final long version;
  private final Path file;
  private final OrtSession session;
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final ModelCard card;
  private final boolean batchable;
  private volatile boolean closed;

  private ModelSession(String name, long version, Path file, OrtSession session,
      List<TensorSpec> inputs, List<TensorSpec> outputs, ModelCard card) {
    this.name = name;
    this.version = version;
    this.file = file;
    this.session = session;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.batchable = this.inputs.stream().allMatch(TensorSpec::batched)
        && this.outputs.stream().allMatch(TensorSpec::batched);
    this.card = card;
  }

  /**
   * Opens {@code file} as version {@code version} of model {@code name}. Only models whose inputs
   * are FP32 with fixed dimensions after an optional variable batch dimension are served.
   */
  public static ModelSession open(String name, long version, Path file, SessionSettings settings) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session;
    try (OrtSession.SessionOptions options = settings.toOptions()) {
      session = env.createSession(file.toString(), options);
    } catch (OrtException e) {
      throw ServeException.internal(
          "cannot load model " + name + " version " + version + " from " + file + ": "
              + e.getMessage(), e);
    }
    try {
      List<TensorSpec> inputs = specs(session.getInputInfo());
      List<TensorSpec> outputs = specs(session.getOutputInfo());
      for (TensorSpec in : inputs) {
        if (in.datatype() != Datatype.FP32) {
          throw ServeException.internal("model " + name + " input " + in.name() + " is "
              + in.datatype() + "; this server serves FP32 inputs only", null);
        }
        long[] shape = in.shape();
        for (int i = 1; i < shape.length; i++) {
          if (shape[i] <= 0) {
            throw ServeException.internal("model " + name + " input " + in + " has a variable "
                + "dimension other than the batch; this server needs fixed image shapes", null);
          }
        }
      }
      for (TensorSpec out : outputs) {
        if (out.datatype() != Datatype.FP32) {
          throw ServeException.internal("model " + name + " output " + out.name() + " is "
              + out.datatype() + "; this server serves FP32 outputs only", null);
        }
      }
      ModelCard card = readCard(name, session);
      return new ModelSession(name, version, file, session, inputs, outputs, card);
    } catch (OrtException | RuntimeException e) {
      try {
        session.close();
      } catch (OrtException closing) {
        e.addSuppressed(closing);
      }
      if (e instanceof ServeException se) {
        throw se;
      }
      throw ServeException.internal("cannot inspect model " + name + " in " + file + ": "
          + e.getMessage(), e);
    }
  }

  private static ModelCard readCard(String name, OrtSession session) throws OrtException {
    Map<String, String> meta = session.getMetadata().getCustomMetadata();
    if (!meta.containsKey(CardKey.INPUT_SHAPE.metadataKey())) {
      return null;
    }
    try {
      return ModelCard.fromMetadata(meta);
    } catch (ModelException e) {
      // The model still serves /infer; only /classify needs the card.
      LOG.warn("model {}: ignoring its ke.* metadata: {}", name, e.getMessage());
      return null;
    }
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> infos) {
    List<TensorSpec> out = new ArrayList<>();
    for (NodeInfo n : infos.values()) {
      if (!(n.getInfo() instanceof TensorInfo t)) {
        throw ServeException.internal("model tensor " + n.getName()
            + " is not a tensor (" + n.getInfo() + "); only tensors are served", null);
      }
      long[] shape = t.getShape();
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shape[i] < 0 ? -1 : shape[i];
      }
      out.add(new TensorSpec(n.getName(), Datatype.of(t.type), shape));
    }
    return out;
  }

  /** The model's name in the repository. */
  public String name() {
    return name;
  }

  /** The version folder it was loaded from. */
  public long version() {
    return version;
  }

  /** The ONNX file. */
  public Path file() {
    return file;
  }

  /** Inputs in the model's order. */
  public List<TensorSpec> inputs() {
    return inputs;
  }

  /** Outputs in the model's order. */
  public List<TensorSpec> outputs() {
    return outputs;
  }

  /** The {@code ke.*} model card, when the file carries one. */
  public Optional<ModelCard> card() {
    return Optional.ofNullable(card);
  }

  /** True when every input and output has a variable batch dimension, so requests can merge. */
  public boolean batchable() {
    return batchable;
  }

  /** The input named {@code n}, if the model has one. */
  public Optional<TensorSpec> input(String n) {
    return inputs.stream().filter(t -> t.name().equals(n)).findFirst();
  }

  /** The output named {@code n}, if the model has one. */
  public Optional<TensorSpec> output(String n) {
    return outputs.stream().filter(t -> t.name().equals(n)).findFirst();
  }

  /** Runs the model; the caller closes the result. */
  public OrtSession.Result run(Map<String, OnnxTensor> feeds, Set<String> wanted)
      throws OrtException {
    if (closed) {
      throw new IllegalStateException("model " + name + " version " + version + " is closed");
    }
    return session.run(feeds, wanted);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      session.close();
    } catch (OrtException e) {
      throw ServeException.internal("cannot close model " + name + ": " + e.getMessage(), e);
    }
  }
}
