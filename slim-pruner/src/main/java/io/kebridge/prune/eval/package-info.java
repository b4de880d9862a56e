/** Accuracy of a network on a dataset through the models {@code Forward} seam. */
package io.kebridge.prune.eval;
