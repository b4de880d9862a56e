/**
 * INT8 quantisation of ONNX CNNs for ONNX Runtime, in the QDQ format its CPU provider fuses into
 * integer kernels: a transformation of a float ONNX graph (the exporter's, or any graph of the
 * supported operators), calibrated on ONNX Runtime, verified by the fused graph ONNX Runtime makes
 * of it and gated by the accuracy it keeps. {@link io.kebridge.onnx.quantize.QuantizedExport} runs
 * the whole chain; {@link io.kebridge.onnx.quantize.Quantizer} is the transformation alone.
 */
package io.kebridge.onnx.quantize;
