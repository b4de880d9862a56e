/** ONNX Runtime as a {@link io.kebridge.models.forward.Forward}, with the session settings ke-bridge uses. */
package io.kebridge.onnx.runtime;
