package io.nodemesh.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A server a test holds in a {@code @RegisterExtension} field, so that no test writes the same
 * {@code @BeforeEach}/{@code @AfterEach} pair again: in an instance field it is closed after each
 * test, in a static one (marked {@link #forAllTests()}) after all of them.
 */
public abstract class Fixture implements AutoCloseable, AfterEachCallback, AfterAllCallback {
  private boolean perTest = true;

  /** Kept until the class's last test ends (for a static field). */
  @SuppressWarnings("unchecked")
  public final <T extends Fixture> T forAllTests() {
    perTest = false;
    return (T) this;
  }

  @Override
  public abstract void close();

  @Override
  public final void afterEach(ExtensionContext context) {
    if (perTest) {
      close();
    }
  }

  @Override
  public final void afterAll(ExtensionContext context) {
    close();
  }

  /** A constructor that binds a socket, for a field initialiser (which cannot throw). */
  interface Binding<T> {
    T bind() throws IOException;
  }

  static <T> T bound(Binding<T> binding) {
    try {
      return binding.bind();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
