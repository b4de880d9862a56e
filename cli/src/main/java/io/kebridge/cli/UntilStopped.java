package io.kebridge.cli;

import io.kebridge.serve.InferenceServer;
import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;

/**
 * Keeps a started server running until SIGTERM or Ctrl-C (a shutdown hook closes it gracefully)
 * or until the calling thread is interrupted (an embedding program or a test: the same graceful
 * close, and the hook is removed again). Shared by {@code ke serve} and {@code ke demo
 * --keep-serving}.
 */
final class UntilStopped {
  private UntilStopped() {}

  /** Blocks until the server has been stopped; {@code who} prefixes the "stopped" line. */
  static void serve(InferenceServer server, PrintWriter out, String who) {
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "ke-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stopped.await();
    } catch (InterruptedException e) {
      server.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting anyway; the hook closes the server a second time, harmlessly
      }
      out.println(who + ": stopped");
      out.flush();
      Thread.currentThread().interrupt();
    }
  }
}
