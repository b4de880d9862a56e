/**
 * TensorFlow SavedModel export of a network spec with its weights.
 */
package io.kebridge.training.export;
