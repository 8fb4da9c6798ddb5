package io.nodemesh.testkit;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a test opens as it goes (backends of its own shape, a proxy, a client), closed after it in
 * reverse order of {@link #add}, as try-with-resources would: {@code @RegisterExtension final
 * Closer closing = new Closer();} replaces a list of closeables and the {@code @AfterEach} that
 * walks it. A failure to close is thrown after the rest are closed.
 */
public final class Closer extends Fixture {
  private final Deque<AutoCloseable> open = new ArrayDeque<>();

  /** {@code c}, closed after the test. */
  public synchronized <T extends AutoCloseable> T add(T c) {
    open.push(c);
    return c;
  }

  @Override
  public void close() {
    RuntimeException failed = null;
    AutoCloseable c;
    while ((c = next()) != null) {
      try {
        c.close();
      } catch (Exception e) {
        if (failed == null) {
          failed = new IllegalStateException("closing a test fixture failed", e);
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  private synchronized AutoCloseable next() {
    return open.poll();
  }
}
