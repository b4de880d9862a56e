/** Inference latency percentiles and throughput of ONNX models on ONNX Runtime. */
package io.kebridge.onnx.bench;
