/** ONNX CNNs from other stacks (or from ke-bridge) back into a network spec and canonical weights. */
package io.kebridge.onnx.imports;
