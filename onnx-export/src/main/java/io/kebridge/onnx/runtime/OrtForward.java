package io.kebridge.onnx.runtime;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.kebridge.models.forward.Forward;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.OnnxFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An ONNX model on ONNX Runtime as a {@link Forward}: the ONNX side of the parity check and the
 * runner of the latency benchmark. Owns one {@link OrtSession}; inputs go through direct buffers in
 * native byte order, which ONNX Runtime reads without a copy.
 */
public final class OrtForward implements Forward {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String inputName;
  private final String outputName;
  private final long[] inputShape;
  private final int imageSize;
  private volatile boolean closed;

  private OrtForward(OrtEnvironment env, OrtSession session) {
    this.env = env;
    this.session = session;
    try {
      // ke-bridge's own names first; a model from another stack with one input works too
      Set<String> ins = session.getInputNames();
      if (ins.contains(OnnxFormat.INPUT)) {
        this.inputName = OnnxFormat.INPUT;
      } else if (ins.size() == 1) {
        this.inputName = ins.iterator().next();
      } else {
        throw new OnnxException("the model has inputs " + ins + "; expected one named '"
            + OnnxFormat.INPUT + "' or a single input");
      }
      Set<String> outs = session.getOutputNames();
      this.outputName =
          outs.contains(OnnxFormat.LOGITS) ? OnnxFormat.LOGITS : outs.iterator().next();
      NodeInfo info = session.getInputInfo().get(inputName);
      this.inputShape = ((TensorInfo) info.getInfo()).getShape();
    } catch (OrtException e) {
      throw new OnnxException("cannot inspect the model's inputs: " + e.getMessage(), e);
    }
    if (inputShape.length != 4) {
      throw new OnnxException(
          "input '" + OnnxFormat.INPUT + "' has shape " + Arrays.toString(inputShape)
              + ", expected [batch, C, H, W]");
    }
    this.imageSize = (int) (inputShape[1] * inputShape[2] * inputShape[3]);
  }

  /** Opens a session on a model held in memory. */
  public static OrtForward open(ModelProto model, OrtSettings settings) {
    return open(model.toByteArray(), settings);
  }

  /** Opens a session on model bytes. */
  public static OrtForward open(byte[] model, OrtSettings settings) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = settings.toSessionOptions()) {
      return create(env, env.createSession(model, options));
    } catch (OrtException e) {
      throw new OnnxException("ONNX Runtime cannot load the model: " + e.getMessage(), e);
    }
  }

  /**
   * Opens a session on model bytes that come from another stack, without ONNX Runtime's own
   * warnings about the file (initializers listed as inputs or read by no node, shapes it
   * re-infers): those go to stderr from native code, past the user's logging, and say nothing
   * about whether the model runs. Errors are still reported.
   */
  public static OrtForward openQuietly(byte[] model, OrtSettings settings) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = settings.toSessionOptions()) {
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      return create(env, env.createSession(model, options));
    } catch (OrtException e) {
      throw new OnnxException("ONNX Runtime cannot load the model: " + firstLine(e), e);
    }
  }

  /** The first line of an ONNX Runtime error (some run over several). */
  static String firstLine(OrtException e) {
    String m = String.valueOf(e.getMessage()).strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl).strip() + " ...";
  }

  /** Opens a session on a model file. */
  public static OrtForward open(Path file, OrtSettings settings) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = settings.toSessionOptions()) {
      return create(env, env.createSession(file.toString(), options));
    } catch (OrtException e) {
      throw new OnnxException("ONNX Runtime cannot load " + file + ": " + e.getMessage(), e);
    }
  }

  private static OrtForward create(OrtEnvironment env, OrtSession session) {
    try {
      return new OrtForward(env, session);
    } catch (RuntimeException e) {
      closeQuietlyAfter(session, e);
      throw e;
    }
  }

  private static void closeQuietlyAfter(OrtSession session, RuntimeException failure) {
    try {
      session.close();
    } catch (OrtException e) {
      failure.addSuppressed(e);
    }
  }

  /** The name of the image input ({@code input} for ke-bridge's models). */
  public String inputName() {
    return inputName;
  }

  /** The name of the output read as logits ({@code logits}, else the model's first output). */
  public String outputName() {
    return outputName;
  }

  /** The model's input dimensions; the first is -1 when the batch is dynamic. */
  public long[] inputShape() {
    return inputShape.clone();
  }

  /** Values per image ({@code C*H*W}). */
  public int imageSize() {
    return imageSize;
  }

  /** The model's {@code metadata_props}. */
  public Map<String, String> metadata() {
    checkOpen();
    try {
      return session.getMetadata().getCustomMetadata();
    } catch (OrtException e) {
      throw new OnnxException("cannot read the model's metadata: " + e.getMessage(), e);
    }
  }

  @Override
  public float[][] logits(float[][] images) {
    checkOpen();
    if (images.length == 0) {
      return new float[0][];
    }
    FloatBuffer input = inputBuffer(images.length);
    for (int i = 0; i < images.length; i++) {
      if (images[i].length != imageSize) {
        throw new OnnxException(
            "image " + i + " has " + images[i].length + " values, the model takes "
                + inputShape[1] + "x" + inputShape[2] + "x" + inputShape[3] + " = " + imageSize);
      }
      input.put(images[i]);
    }
    input.rewind();
    float[] flat = run(input, images.length);
    int classes = flat.length / images.length;
    float[][] out = new float[images.length][];
    for (int i = 0; i < images.length; i++) {
      out[i] = Arrays.copyOfRange(flat, i * classes, (i + 1) * classes);
    }
    return out;
  }

  /** A direct, native-order buffer for {@code batch} images (what ONNX Runtime reads in place). */
  public FloatBuffer inputBuffer(int batch) {
    return ByteBuffer.allocateDirect(batch * imageSize * Float.BYTES)
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }

  /**
   * Runs a batch held in a buffer from {@link #inputBuffer} and returns the logits, flat ({@code
   * batch * classes}).
   */
  public float[] run(FloatBuffer input, int batch) {
    long[] shape = checkedShape(input, batch);
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, shape);
        OrtSession.Result result =
            session.run(Map.of(inputName, tensor), Set.of(outputName))) {
      Optional<OnnxValue> v = result.get(outputName);
      if (v.isEmpty() || !(v.get() instanceof OnnxTensor logits)) {
        throw new OnnxException("the model returned no '" + outputName + "' tensor");
      }
      FloatBuffer fb = logits.getFloatBuffer();
      float[] out = new float[fb.remaining()];
      fb.get(out);
      return out;
    } catch (OrtException e) {
      throw new OnnxException("ONNX Runtime failed on a batch of " + batch + ": " + firstLine(e),
          e);
    }
  }

  /** What receives each requested output of {@link #runOutputs}: its name and its values. */
  @FunctionalInterface
  public interface OutputSink {
    /**
     * @param values the output's float32 values, valid only during the call
     */
    void accept(String name, FloatBuffer values);
  }

  /**
   * Runs a batch held in a buffer from {@link #inputBuffer} and hands each of the named float
   * outputs to {@code sink} before the result is released (the calibration of the INT8 quantiser
   * reads every intermediate tensor this way, one batch at a time, keeping no arrays).
   */
  public void runOutputs(FloatBuffer input, int batch, Set<String> outputs, OutputSink sink) {
    long[] shape = checkedShape(input, batch);
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, shape);
        OrtSession.Result result = session.run(Map.of(inputName, tensor), outputs)) {
      for (String name : outputs) {
        Optional<OnnxValue> v = result.get(name);
        if (v.isEmpty() || !(v.get() instanceof OnnxTensor t)
            || t.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
          throw new OnnxException("the model returned no float32 tensor '" + name + "'");
        }
        sink.accept(name, t.getFloatBuffer());
      }
    } catch (OrtException e) {
      throw new OnnxException("ONNX Runtime failed on a batch of " + batch + ": " + e.getMessage(), e);
    }
  }

  /** The input tensor's shape, after checking that the session is open and the buffer usable. */
  private long[] checkedShape(FloatBuffer input, int batch) {
    checkOpen();
    if (!input.isDirect() || input.order() != ByteOrder.nativeOrder()) {
      // a direct big-endian buffer would be misread silently, a heap buffer copied
      throw new OnnxException("input buffers must be direct and in native byte order (inputBuffer)");
    }
    return new long[] {batch, inputShape[1], inputShape[2], inputShape[3]};
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this OrtForward is closed");
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      session.close();
    } catch (OrtException e) {
      throw new OnnxException("cannot close the ONNX Runtime session: " + e.getMessage(), e);
    }
  }
}
