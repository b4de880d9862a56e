/**
 * ONNX CNNs from other stacks (or from ke-bridge) back into a network spec and canonical weights:
 * {@link io.kebridge.onnx.imports.OnnxImporter} reads a file (constant subgraphs folded, nodes
 * mapped to layers, what cannot be expressed refused in one error), {@link
 * io.kebridge.onnx.imports.ImportCheck} compares the import with the original on ONNX Runtime.
 */
package io.kebridge.onnx.imports;
