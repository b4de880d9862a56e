package io.kebridge.onnx.quantize;

/**
 * The scale and zero point of an unsigned 8-bit activation: {@code real = (q - zeroPoint) *
 * scale}, {@code q} in [0, 255]. Made so that real zero is exactly a step (the padding of a
 * convolution and the floor of a ReLU lose nothing), as ONNX's QuantizeLinear expects.
 */
public record QuantParams(float scale, int zeroPoint) {

  /**
   * The parameters that cover {@code range} widened to include zero, computed in float32 with
   * round-half-to-even as ONNX Runtime's own quantiser does. A range of one value gets scale 1.
   */
  public static QuantParams uint8(TensorRange range) {
    float lo = Math.min(range.min(), 0f);
    float hi = Math.max(range.max(), 0f);
    float scale = (hi - lo) / 255f;
    if (!(scale > 0) || !Float.isFinite(scale)) {
      return new QuantParams(1f, 0);
    }
    int zp = (int) Math.rint(-lo / scale);
    return new QuantParams(scale, Math.max(0, Math.min(255, zp)));
  }

  /** The real values the 256 steps reach. */
  public TensorRange represented() {
    return new TensorRange((0 - zeroPoint) * scale, (255 - zeroPoint) * scale);
  }
}
