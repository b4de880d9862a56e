package io.kebridge.serve.protocol;

/**
 * A response body ready to send: the bytes, and the length of the JSON header when binary tensor
 * data follows it (-1 when the body is plain JSON).
 */
public record EncodedBody(byte[] bytes, int jsonLength) {
  /** True when binary tensor data follows the JSON. */
  public boolean binary() {
    return jsonLength >= 0;
  }
}
