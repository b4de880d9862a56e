/**
 * A run directory's training files: resume checkpoints and metrics.jsonl.
 */
package io.kebridge.training.run;
