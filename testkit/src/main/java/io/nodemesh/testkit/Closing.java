package io.nodemesh.testkit;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a test started and must stop, closed after each test (or after the class, with {@link
 * #forAllTests()}) in the reverse order of {@link #add}, then the {@link #then} step:
 * {@code @RegisterExtension final Closing closing = new Closing();} and {@code controller =
 * closing.add(Controller.start(...))} instead of an {@code @AfterEach} that checks each field for
 * null. A part that fails to close is logged and the rest are still closed, so one broken part does
 * not leak the others.
 */
public final class Closing extends Fixture {
  private final Deque<AutoCloseable> open = new ArrayDeque<>();
  private AutoCloseable last = () -> {};

  /** Closes {@code part} after the test, before everything added earlier; returns it. */
  public synchronized <T extends AutoCloseable> T add(T part) {
    open.push(part);
    return part;
  }

  /** Runs after everything added is closed (wiping the mock API server, say). */
  public synchronized Closing then(AutoCloseable step) {
    last = step;
    return this;
  }

  @Override
  public synchronized void close() {
    open.addLast(last);
    while (!open.isEmpty()) {
      AutoCloseable part = open.pop();
      try {
        part.close();
      } catch (Exception e) {
        System.getLogger(Closing.class.getName())
            .log(System.Logger.Level.WARNING, "while closing " + part + ": " + e);
      }
    }
  }
}
