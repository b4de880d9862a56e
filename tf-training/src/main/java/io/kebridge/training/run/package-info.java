/**
 * A run directory's resume state: checkpoints of the TF variables and the {@code state.json}
 * beside them.
 */
package io.kebridge.training.run;
