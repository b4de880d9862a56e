package io.kebridge.serve.batching;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests on their way to a batcher: announced while their body is still being read or parsed,
 * withdrawn once they are submitted (or have failed). A forming batch waits for company only while
 * some are announced. REST knows the model from the URL before the body and announces on the
 * model's own batcher; gRPC learns the model only from the parsed message, so it announces on the
 * server-wide instance that every batcher also consults.
 */
public final class Arrivals {
  private final AtomicInteger pending = new AtomicInteger();

  /** Announces one request; close the token once it is submitted or failed (once or more). */
  public Arrival announce() {
    pending.incrementAndGet();
    return new Arrival(this);
  }

  /** Requests announced now. */
  public int pending() {
    return pending.get();
  }

  /** One announced request; closing it withdraws the announcement. */
  public static final class Arrival implements AutoCloseable {
    private final Arrivals owner;
    private boolean closed;

    private Arrival(Arrivals owner) {
      this.owner = owner;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        owner.pending.decrementAndGet();
      }
    }
  }
}
