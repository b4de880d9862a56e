package io.kebridge.serve.repository;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request's hold on a served model version: while it is open the version's session stays open
 * even if the repository replaces or removes it. Close it when the request is answered.
 */
public final class ModelHandle implements AutoCloseable {
  private final ServedModel model;
  private final AtomicBoolean released = new AtomicBoolean();

  ModelHandle(ServedModel model) {
    this.model = model;
  }

  /** The model version held. */
  public ServedModel model() {
    return model;
  }

  @Override
  public void close() {
    if (released.compareAndSet(false, true)) {
      model.release();
    }
  }
}
