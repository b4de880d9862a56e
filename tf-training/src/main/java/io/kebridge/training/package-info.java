/**
 * Knowledge Evolution training on TensorFlow Java: {@code graph} builds a TF graph from a network
 * spec, {@code ke} runs generations, {@code optim} holds schedules, {@code data} feeds batches,
 * {@code run} owns checkpoints and metrics, {@code report} writes the HTML report, {@code export}
 * writes SavedModels.
 */
package io.kebridge.training;
