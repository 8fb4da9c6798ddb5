package io.nodemesh.testkit;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a test started and must stop, closed after the test (or after the class, see {@link
 * #forAllTests()}) in the reverse order of {@link #add}, then the {@link #then} step: {@code
 * controller = closing.add(Controller.start(...))} instead of an {@code @AfterEach} that checks
 * each field for null.
 */
public final class Closing extends Fixture {
  private final Deque<AutoCloseable> open = new ArrayDeque<>();
  private AutoCloseable last = () -> {};
  private boolean closed;

  /** Closes this with the others. */
  public <T extends AutoCloseable> T add(T closeable) {
    open.push(closeable);
    closed = false;
    return closeable;
  }

  /** Runs after everything added is closed (wiping the mock API server, say). */
  public Closing then(AutoCloseable step) {
    last = step;
    return this;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException failed = null;
    open.addLast(last);
    while (!open.isEmpty()) {
      try {
        open.pop().close();
      } catch (Exception e) {
        if (failed == null) {
          failed = new IllegalStateException("closing after the test failed", e);
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }
}
