/**
 * Spec to TensorFlow: {@link io.kebridge.training.graph.NetworkGraph} builds any network spec as
 * NHWC TF variables and ops, {@link io.kebridge.training.graph.TfLayouts} is the one place where
 * canonical and TF layouts meet, {@link io.kebridge.training.graph.TfForward} is the inference
 * mode {@code Forward} other modules compare against.
 */
package io.kebridge.training.graph;
