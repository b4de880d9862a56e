package io.kebridge.onnx.imports;

/**
 * Why one node cannot be imported, worded so that nodes refused for the same reason share it
 * ({@code has dilations [2, 2]; only 1 is supported}): the importer reports each reason once with
 * its count and first node. Thrown inside the importer only, never out of it.
 */
final class Refusal extends RuntimeException {
  private static final long serialVersionUID = 1L;

  Refusal(String reason) {
    super(reason, null, false, false);
  }

  String reason() {
    return getMessage();
  }
}
