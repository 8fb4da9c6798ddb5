package io.nodemesh.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.ToolProvider;

/** What the ops tests share: running the repository's scripts, and the stand-ins they call. */
final class Scripts {
  /** The repository; the tests run in the chart module's directory, which may say where it is. */
  static final Path REPO =
      Path.of(System.getProperty("nodemesh.chart.dir", ""))
          .toAbsolutePath()
          .normalize()
          .getParent();

  private Scripts() {}

  /** How a command ended: its exit code and its stdout and stderr together. */
  record Result(int exit, String output) {}

  /** Runs the command to its end, stderr merged into stdout, for at most this many minutes. */
  static Result run(ProcessBuilder pb, long minutes) throws IOException, InterruptedException {
    Process p = pb.redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(minutes, TimeUnit.MINUTES)).as(output).isTrue();
    return new Result(p.exitValue(), output);
  }

  /** Writes a file that anyone may run. */
  static void executable(Path file, String content) throws IOException {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /**
   * A runnable jar whose main class {@code StubMain} runs this body of {@code main(String[] args)},
   * compiled under work.
   */
  static void stubJar(Path jar, Path work, String mainBody) throws IOException {
    Path src = Files.createTempDirectory(work, "stub-src");
    Path file = src.resolve("StubMain.java");
    Files.writeString(
        file,
        "public class StubMain {\n  public static void main(String[] args) {\n"
            + mainBody
            + "  }\n}\n");
    int rc =
        ToolProvider.getSystemJavaCompiler()
            .run(null, null, null, "-d", src.toString(), file.toString());
    assertThat(rc).as("compiling the stub main").isZero();
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "StubMain");
    Files.createDirectories(jar.getParent());
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
      jarOut.putNextEntry(new JarEntry("StubMain.class"));
      jarOut.write(Files.readAllBytes(src.resolve("StubMain.class")));
      jarOut.closeEntry();
    }
  }
}
