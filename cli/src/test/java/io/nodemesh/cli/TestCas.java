package io.nodemesh.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The mesh's CA and a rogue one, made once per test class ({@code keytool} is slow) in a folder of
 * their own and deleted after the last test: {@code @RegisterExtension static final TestCas pki =
 * new TestCas();}.
 */
final class TestCas implements BeforeAllCallback, AfterAllCallback {
  private Path dir;
  private TestCa mesh;
  private TestCa rogue;

  /** The CA the controller's serving certificate comes from, as the chart makes it. */
  TestCa mesh() {
    return mesh;
  }

  /** Another CA, with a serving certificate for the same names: an impostor's. */
  TestCa rogue() {
    return rogue;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("nodemesh-pki");
    mesh = new TestCa(dir, "mesh");
    rogue = new TestCa(dir, "rogue");
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
