/**
 * ONNX for ke-bridge: export of network specs with a parity check against a reference forward
 * (TensorFlow, passed in), import of ONNX CNNs from other stacks, an ONNX Runtime runner, Triton
 * model repository entries and a latency benchmark. Free of TensorFlow; {@link
 * io.kebridge.onnx.OnnxFormat} fixes the file conventions in one place.
 */
package io.kebridge.onnx;
