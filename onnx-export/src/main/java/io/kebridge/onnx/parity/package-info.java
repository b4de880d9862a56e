/** Logit comparison of two implementations of one network: the figures and the pass rule of every export. */
package io.kebridge.onnx.parity;
