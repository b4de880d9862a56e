/**
 * Knowledge Evolution training on TensorFlow Java: {@code graph} builds a TF graph from a network
 * spec, {@code ke} runs one run's generations ({@code GenerationLoop}) and KE with its controls
 * ({@code KeTrainer}), {@code results} holds what runs produce, {@code run} owns resume
 * checkpoints, {@code sweep} plans and summarises experiments over seeds and splits, {@code optim}
 * holds schedules, {@code data} feeds batches, {@code report} writes the HTML report, {@code
 * export} writes SavedModels. Packages depend downwards only: results, then run, then ke, then
 * report and sweep.
 */
package io.kebridge.training;
