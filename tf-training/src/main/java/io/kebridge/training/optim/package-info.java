/**
 * Optimisation pieces: SGD with momentum built from tf.gradients, learning-rate schedules.
 */
package io.kebridge.training.optim;
