package io.nodemesh.testkit;

import java.util.concurrent.CompletableFuture;

/**
 * A blocking step of a test run on its own virtual thread, so the test can act while it waits (a
 * request held by a backend, a client loop). Not the common pool: it may have a single thread,
 * which a blocked client would hold. A failure completes the future exceptionally, so {@code get()}
 * throws it wrapped in an {@link java.util.concurrent.ExecutionException}.
 */
public final class Async {
  private Async() {}

  /** A step that returns a value and may throw. */
  @FunctionalInterface
  public interface Call<T> {
    T call() throws Exception;
  }

  /** A step that returns nothing and may throw. */
  @FunctionalInterface
  public interface Step {
    void run() throws Exception;
  }

  /** {@code call} on a new virtual thread. */
  public static <T> CompletableFuture<T> call(Call<T> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                result.complete(call.call());
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            });
    return result;
  }

  /** {@code step} on a new virtual thread. */
  public static CompletableFuture<Void> run(Step step) {
    return call(
        () -> {
          step.run();
          return null;
        });
  }
}
