/**
 * What training runs produce, as values: per-epoch metrics, a run's generations ({@link
 * io.kebridge.models.run.GenerationRecord}), a KE run with its control runs, and the {@code
 * metrics.jsonl} file they are kept in. Depends on nothing else in tf-training, so the trainer, the
 * checkpoints, the reports and the sweeps all read and write through it.
 */
package io.kebridge.training.results;
