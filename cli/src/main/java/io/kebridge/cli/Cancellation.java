package io.kebridge.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs a training job so that Ctrl-C or SIGTERM cancels it at its next step (its last checkpoint
 * stays valid) instead of killing it mid-write: a shutdown hook calls {@code cancel} and waits up
 * to 30 s for the job to return.
 */
final class Cancellation {
  private Cancellation() {}

  static <T> T run(Supplier<T> job, Runnable cancel) {
    CountDownLatch done = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              cancel.run();
              try {
                done.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "ke-cancel");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return job.get();
    } finally {
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already exiting: the hook has cancelled the job and is waiting for us
      }
    }
  }
}
