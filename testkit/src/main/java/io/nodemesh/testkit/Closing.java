package io.nodemesh.testkit;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a test started and must stop, closed in reverse order after each test (or after all, with
 * {@link #forAllTests()}): {@code @RegisterExtension final Closing closing = new Closing();} then
 * {@code controller = closing.add(Controller.start(...))}. A part that fails to close is logged and
 * the rest are still closed, so one broken part does not leak the others.
 */
public final class Closing extends Fixture {
  private final Deque<AutoCloseable> open = new ArrayDeque<>();

  /** Closes {@code part} after the test, before everything added earlier; returns it. */
  public synchronized <T extends AutoCloseable> T add(T part) {
    open.push(part);
    return part;
  }

  @Override
  public synchronized void close() {
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
