/**
 * Knowledge Evolution: the configuration and its evaluation policy, the training graph with masks
 * and re-initialisation, one run's generation loop ({@link io.kebridge.training.ke.GenerationLoop})
 * and the experiment runner for KE with its controls ({@link io.kebridge.training.ke.KeTrainer}),
 * with their listener events.
 */
package io.kebridge.training.ke;
