/**
 * Training input: augmentation, normalisation and the prefetching batch producer.
 */
package io.kebridge.training.data;
