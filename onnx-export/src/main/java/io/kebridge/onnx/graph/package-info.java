/** A small ONNX graph builder on the generated Protobuf messages, tensor conversions and model file reading and writing. */
package io.kebridge.onnx.graph;
