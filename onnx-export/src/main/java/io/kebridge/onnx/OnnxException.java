package io.kebridge.onnx;

/**
 * The one exception type of the {@code onnx-export} module: export, import, parity and runtime
 * failures, with a message that says which file, node or figure was wrong.
 */
public class OnnxException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OnnxException(String message) {
    super(message);
  }

  public OnnxException(String message, Throwable cause) {
    super(message, cause);
  }
}
