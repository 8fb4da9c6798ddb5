package io.nodemesh.cli;

import java.util.concurrent.CountDownLatch;

/** Keeps a long-running command alive until SIGINT/SIGTERM, then closes its parts in order. */
final class Lifecycle {
  private Lifecycle() {}

  static void runUntilStopped(AutoCloseable... parts) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  closeAll(parts);
                  stopped.countDown();
                },
                "nodemesh-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeAll(parts);
    }
  }

  static void closeAll(AutoCloseable... parts) {
    for (AutoCloseable part : parts) {
      try {
        part.close();
      } catch (Exception e) {
        System.getLogger("nodemesh")
            .log(System.Logger.Level.WARNING, "while stopping " + part + ": " + e);
      }
    }
  }
}
