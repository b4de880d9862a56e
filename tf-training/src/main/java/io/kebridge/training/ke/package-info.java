/**
 * Knowledge Evolution: the configuration, the training graph with masks and re-initialisation, the
 * trainer with its listener events and results.
 */
package io.kebridge.training.ke;
