package io.kebridge.onnx.export;

/**
 * How {@link OnnxExporter} writes a network.
 *
 * @param foldBatchNorm fold every batch-norm into the convolution before it (fewer nodes, the same
 *     logits up to float rounding); batch-norms that do not follow a convolution stay
 */
public record ExportOptions(boolean foldBatchNorm) {

  /** The defaults: batch-norms kept as nodes. */
  public static ExportOptions defaults() {
    return new ExportOptions(false);
  }

  /** A copy with batch-norm folding switched on or off. */
  public ExportOptions withFoldBatchNorm(boolean fold) {
    return new ExportOptions(fold);
  }
}
