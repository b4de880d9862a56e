/** Triton-style model repository entries: version folders and a config.pbtxt derived from the model. */
package io.kebridge.onnx.repository;
