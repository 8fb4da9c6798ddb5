package io.nodemesh.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/kubectl-nodemesh}, as installed from a release: a copy in a directory with stub jars
 * that print their own name, run the way kubectl runs a plugin (arguments after {@code nodemesh}).
 */
class KubectlPluginTest {
  private static final Path REPO =
      Path.of(System.getProperty("nodemesh.chart.dir", ""))
          .toAbsolutePath()
          .normalize()
          .getParent();

  @TempDir Path dir;
  private Path plugin;

  @BeforeEach
  void install() throws IOException {
    plugin = dir.resolve("bin/kubectl-nodemesh");
    Files.createDirectories(plugin.getParent());
    Files.copy(REPO.resolve("bin/kubectl-nodemesh"), plugin, StandardCopyOption.COPY_ATTRIBUTES);
  }

  @Test
  void runsTheNewestVersionedJarBesideItWithTheArguments() throws Exception {
    stubJar(plugin.resolveSibling("nodemesh-0.9.0.jar"), "0.9.0");
    stubJar(plugin.resolveSibling("nodemesh-0.10.0.jar"), "0.10.0");
    Result r = run(Map.of(), "check", "--namespace", "mesh system");
    assertThat(r.exit()).as(r.output()).isZero();
    // 0.10.0 is newer than 0.9.0, though it sorts first as text.
    assertThat(r.output()).contains("jar=0.10.0 args=[check, --namespace, mesh system]");
  }

  @Test
  void followsASymlinkToFindTheJarAndHonoursNodemeshJar() throws Exception {
    stubJar(plugin.resolveSibling("nodemesh.jar"), "plain");
    Path onPath = Files.createDirectories(dir.resolve("path"));
    Path link = Files.createSymbolicLink(onPath.resolve("kubectl-nodemesh"), plugin);
    Result r = run(Map.of(), link, "version");
    assertThat(r.output()).contains("jar=plain args=[version]");

    Path other = dir.resolve("elsewhere/any.jar");
    stubJar(other, "chosen");
    Result chosen = run(Map.of("NODEMESH_JAR", other.toString()), "version");
    assertThat(chosen.output()).contains("jar=chosen");
  }

  @Test
  void withoutAJarOrANewEnoughJavaItSaysWhatToDo() throws Exception {
    Result noJar = run(Map.of(), "check");
    assertThat(noJar.exit()).isEqualTo(1);
    assertThat(noJar.output()).contains("no Nodemesh jar beside").contains("NODEMESH_JAR");

    stubJar(plugin.resolveSibling("nodemesh-0.1.0.jar"), "0.1.0");
    Path oldJava = dir.resolve("jdk17/bin/java");
    Files.createDirectories(oldJava.getParent());
    Files.writeString(oldJava, "#!/bin/sh\necho 'openjdk version \"17.0.13\" 2024-10-15' >&2\n");
    Files.setPosixFilePermissions(oldJava, PosixFilePermissions.fromString("rwxr-xr-x"));
    Result tooOld = run(Map.of("NODEMESH_JAVA", oldJava.toString()), "check");
    assertThat(tooOld.exit()).isEqualTo(1);
    assertThat(tooOld.output()).contains("is Java 17.0.13; Nodemesh needs 21 or newer");
  }

  private record Result(int exit, String output) {}

  private Result run(Map<String, String> env, String... args) throws Exception {
    return run(env, plugin, args);
  }

  private Result run(Map<String, String> env, Path script, String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = script.toString();
    System.arraycopy(args, 0, command, 1, args.length);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> e = pb.environment();
    e.put("JAVA_HOME", System.getProperty("java.home"));
    e.remove("NODEMESH_JAR");
    e.remove("NODEMESH_JAVA");
    e.remove("JAVA_OPTS");
    e.putAll(new HashMap<>(env));
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
    return new Result(p.exitValue(), output);
  }

  /** A runnable jar whose main prints {@code jar=NAME args=[...]}. */
  private void stubJar(Path jar, String name) throws IOException {
    Path src = Files.createTempDirectory(dir, "stub-src");
    Path file = src.resolve("StubMain.java");
    Files.writeString(
        file,
        """
        public class StubMain {
          public static void main(String[] args) {
            System.out.println("jar=%s args=" + java.util.Arrays.toString(args));
          }
        }
        """
            .formatted(name));
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
