/**
 * Triton's model configuration for ke-bridge: the generated {@code inference.ModelConfig} messages
 * (package {@code io.kebridge.modelconfig.proto}) and {@link io.kebridge.modelconfig.ModelConfigText},
 * which reads and writes them as {@code config.pbtxt}.
 */
package io.kebridge.modelconfig;
