/** Network spec and weights to an ONNX model: the exporter, batch-norm folding, and export verified against a reference network. */
package io.kebridge.onnx.export;
