/** The slim folder on disk: a run-directory layout with the cost report beside it. */
package io.kebridge.prune.store;
