package io.kebridge.onnx;

/**
 * The one place that fixes what ke-bridge's ONNX files look like: the IR version and opset they are
 * stamped with and the names of the graph's input and outputs. IR 8 with opset 17 loads on ONNX
 * Runtime 1.20 and newer (and is what torch.onnx has long emitted), so files reach older servers.
 */
public final class OnnxFormat {
  /** ONNX IR version written into every exported model. */
  public static final long IR_VERSION = 8;

  /** Version of the default ({@code ai.onnx}) operator set the exported graph uses. */
  public static final long OPSET = 17;

  /** Name of the image input, float32 {@code [batch, C, H, W]}. */
  public static final String INPUT = "input";

  /** Name of the output holding the class scores before softmax, {@code [batch, classes]}. */
  public static final String LOGITS = "logits";

  /** Name of the output holding the softmax of the logits, {@code [batch, classes]}. */
  public static final String PROBS = "probs";

  /** Symbolic name of the dynamic batch dimension. */
  public static final String BATCH_DIM = "batch";

  /** Written as the model's {@code producer_name}. */
  public static final String PRODUCER = "ke-bridge";

  /**
   * The documentation string of a Relu node that the KE reference applies as a function
   * (DenseNet's head): the same computation, but not counted in the reference's Ops, so a round
   * trip through ONNX keeps the cost figures.
   */
  public static final String FUNCTIONAL_DOC =
      "ke-bridge: applied as a function in the KE reference, not counted in its Ops";

  private OnnxFormat() {}
}
