package io.kebridge.serve.repository;

/** Told when model versions start and stop serving (the metrics registry listens). */
public interface RepositoryListener {
  /** Ignores everything. */
  RepositoryListener NONE = new RepositoryListener() { };

  /** {@code model} now serves requests. */
  default void loaded(ServedModel model) { }

  /** {@code model} no longer takes new requests (it closes when its last request ends). */
  default void unloaded(ServedModel model) { }
}
