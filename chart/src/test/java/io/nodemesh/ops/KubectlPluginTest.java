package io.nodemesh.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.ops.Scripts.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/kubectl-nodemesh}, as installed from a release: a copy in a directory with stub jars
 * that print their own name, run the way kubectl runs a plugin (arguments after {@code nodemesh}).
 */
class KubectlPluginTest {
  @TempDir Path dir;
  private Path plugin;

  @BeforeEach
  void install() throws IOException {
    plugin = dir.resolve("bin/kubectl-nodemesh");
    Files.createDirectories(plugin.getParent());
    Files.copy(
        Scripts.REPO.resolve("bin/kubectl-nodemesh"), plugin, StandardCopyOption.COPY_ATTRIBUTES);
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
    Scripts.executable(oldJava, "#!/bin/sh\necho 'openjdk version \"17.0.13\" 2024-10-15' >&2\n");
    Result tooOld = run(Map.of("NODEMESH_JAVA", oldJava.toString()), "check");
    assertThat(tooOld.exit()).isEqualTo(1);
    assertThat(tooOld.output()).contains("is Java 17.0.13; Nodemesh needs 21 or newer");
  }

  private Result run(Map<String, String> env, String... args) throws Exception {
    return run(env, plugin, args);
  }

  private Result run(Map<String, String> env, Path script, String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = script.toString();
    System.arraycopy(args, 0, command, 1, args.length);
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> e = pb.environment();
    e.keySet().removeAll(List.of("NODEMESH_JAR", "NODEMESH_JAVA", "JAVA_OPTS"));
    e.put("JAVA_HOME", System.getProperty("java.home"));
    e.putAll(new HashMap<>(env));
    return Scripts.run(pb, 1);
  }

  /** A runnable jar whose main prints {@code jar=NAME args=[...]}. */
  private void stubJar(Path jar, String name) throws IOException {
    Scripts.stubJar(
        jar,
        dir,
        """
        System.out.println("jar=%s args=" + java.util.Arrays.toString(args));
        """
            .formatted(name));
  }
}
