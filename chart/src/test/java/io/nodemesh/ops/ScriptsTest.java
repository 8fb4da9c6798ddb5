package io.nodemesh.ops;

import static io.nodemesh.ops.Scripts.executable;
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
 * {@code bin/lib/java.sh}, {@code bin/nodemesh} and {@code bin/test} run for real, on a copy of
 * {@code bin/} in a scratch repository root, so nothing here depends on which JDKs or which build
 * state this machine has.
 */
class ScriptsTest {
  private static final Path REPO =
      Path.of(System.getProperty("nodemesh.chart.dir", ".")).getParent();
  private static final String REAL_JAVA_HOME = System.getProperty("java.home");

  @TempDir Path root;
  private Path jvms;
  private Path fakeBin;

  @BeforeEach
  void copyScripts() throws IOException {
    Path bin = Files.createDirectories(root.resolve("bin/lib"));
    for (String script : List.of("nodemesh", "test", "lib/java.sh")) {
      Files.copy(
          REPO.resolve("bin").resolve(script),
          root.resolve("bin").resolve(script),
          StandardCopyOption.COPY_ATTRIBUTES);
    }
    assertThat(bin).exists();
    jvms = Files.createDirectories(root.resolve("jvm"));
    fakeBin = Files.createDirectories(root.resolve("fake-bin"));
    // The scripts build with the pinned ./mvnw; a Maven on PATH (of whatever version) must not run.
    executable(fakeBin.resolve("mvn"), "#!/bin/sh\necho 'mvn on PATH was run' >&2\nexit 97\n");
  }

  @Test
  void javaShKeepsAJavaHomeThatIsNewEnough() throws Exception {
    Path jdk21 = fakeJdk("temurin-21", "openjdk version \"21.0.5\" 2024-10-15 LTS");
    fakeJdk("temurin-25", "openjdk version \"25.0.1\" 2025-10-21 LTS");
    Result r = sourceJavaSh(jdk21);
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("JAVA_HOME=" + jdk21).contains("PATH=" + jdk21 + "/bin:");
  }

  @Test
  void javaShReplacesAnOldJavaHomeWithTheNewestJdkThatIsNewEnough() throws Exception {
    Path jdk17 = fakeJdk("java-17-openjdk", "openjdk version \"17.0.13\" 2024-10-15");
    fakeJdk("java-8", "openjdk version \"1.8.0_412\"");
    // The newest sorts first, so taking the last match (glob order) would pick the wrong one.
    Path jdk25 = fakeJdk("a-jdk-25", "openjdk version \"25-ea\" 2025-09-16");
    fakeJdk("temurin-21", "openjdk version \"21.0.5\" 2024-10-15 LTS");
    fakeJdk("zz-broken", "no version line at all");
    Result r = sourceJavaSh(jdk17);
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("JAVA_HOME=" + jdk25);
  }

  @Test
  void javaShStopsWithWhatToInstallWhenNoJdkIsNewEnough() throws Exception {
    Path jdk17 = fakeJdk("java-17-openjdk", "openjdk version \"17.0.13\" 2024-10-15");
    fakeJdk("java-8", "java version \"1.8.0_412\"");
    Result r = sourceJavaSh(jdk17);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.output())
        .contains("Nodemesh needs JDK 21+; install Temurin 21 or newer")
        .contains("JAVA_HOME=" + jdk17 + " is older than 21")
        .doesNotContain("JAVA_HOME=" + jdk17 + "\n");
  }

  @Test
  void nodemeshRunsTheJarWithArgumentsOptionsAndExitCodeIntact() throws Exception {
    writeStubJar(root.resolve("cli/target/nodemesh-all.jar"));
    Map<String, String> env = new HashMap<>();
    env.put("JAVA_OPTS", "-Dstub.option=yes -Xmx64m");
    Result r =
        run(env, root.resolve("bin/nodemesh").toString(), "local", "dir with space", "--exit=3");
    assertThat(r.exit()).as(r.output()).isEqualTo(3);
    assertThat(r.output())
        .contains("args=[local, dir with space, --exit=3]")
        .contains("home=" + root)
        .contains("option=yes")
        .contains("--enable-native-access=ALL-UNNAMED")
        .doesNotContain("building Nodemesh");
  }

  @Test
  void nodemeshBuildsTheJarOnFirstRunAndWhenAskedTo() throws Exception {
    Path log = root.resolve("mvn.log");
    fakeMaven(log, true);
    Result first = run(Map.of(), root.resolve("bin/nodemesh").toString(), "version");
    assertThat(first.exit()).as(first.output()).isZero();
    assertThat(first.output())
        .contains("building Nodemesh (first run)...")
        .contains("args=[version]");
    assertThat(Files.readString(log))
        .isEqualTo(
            "cwd="
                + root
                + " args=-B -ntp -q -pl cli -am -DskipTests -DskipITs"
                + " -Derrorprone.flags=-XepDisableAllChecks package\n");

    Result second = run(Map.of(), root.resolve("bin/nodemesh").toString(), "version");
    assertThat(second.output()).doesNotContain("building");
    assertThat(Files.readAllLines(log)).hasSize(1);

    Result forced =
        run(Map.of("NODEMESH_REBUILD", "1"), root.resolve("bin/nodemesh").toString(), "version");
    assertThat(forced.output()).contains("building Nodemesh");
    assertThat(Files.readAllLines(log)).hasSize(2);
  }

  @Test
  void nodemeshSaysSoWhenTheBuildLeavesNoJar() throws Exception {
    fakeMaven(root.resolve("mvn.log"), false);
    Result r = run(Map.of(), root.resolve("bin/nodemesh").toString(), "version");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.output()).contains("cli/target/nodemesh-all.jar is missing");
  }

  @Test
  void nodemeshNamesTheJarTheBuildMadeInsteadAndHowToFixIt() throws Exception {
    fakeMaven(root.resolve("mvn.log"), false);
    writeStubJar(root.resolve("cli/target/cli-0.1.0-all.jar"));
    Result r = run(Map.of(), root.resolve("bin/nodemesh").toString(), "version");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.output())
        .contains("It made " + root + "/cli/target/cli-0.1.0-all.jar instead")
        .contains("<outputFile>${project.build.directory}/nodemesh-all.jar</outputFile>");
  }

  @Test
  void binTestRunsMavenVerifyAtTheRootWithTheGivenArguments() throws Exception {
    Path log = root.resolve("mvn.log");
    fakeMaven(log, false);
    Result r = run(Map.of(), root.resolve("bin/test").toString(), "-pl", "chart");
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(Files.readString(log)).isEqualTo("cwd=" + root + " args=-B -ntp verify -pl chart\n");
  }

  /** A directory that looks like a JDK: bin/java prints {@code versionLine} like java -version. */
  private Path fakeJdk(String name, String versionLine) throws IOException {
    Path home = Files.createDirectories(jvms.resolve(name).resolve("bin")).getParent();
    executable(home.resolve("bin/java"), "#!/bin/sh\necho '" + versionLine + "' >&2\n");
    return home;
  }

  /**
   * A {@code ./mvnw} at the scratch root (the scripts run the wrapper, never a {@code mvn} on PATH)
   * that logs how it was called and, if asked, "builds" the stub jar.
   */
  private void fakeMaven(Path log, boolean buildsJar) throws IOException {
    Path stubJar = root.resolve("stub.jar");
    writeStubJar(stubJar);
    String build =
        buildsJar
            ? "mkdir -p cli/target && cp '" + stubJar + "' cli/target/nodemesh-all.jar\n"
            : "";
    executable(
        root.resolve("mvnw"), "#!/bin/sh\necho \"cwd=$(pwd) args=$*\" >> '" + log + "'\n" + build);
  }

  private Result sourceJavaSh(Path javaHome) throws Exception {
    String script =
        "set -euo pipefail; source '"
            + root.resolve("bin/lib/java.sh")
            + "';"
            + " echo \"JAVA_HOME=$JAVA_HOME\"; echo \"PATH=$PATH\"";
    return run(Map.of("JAVA_HOME", javaHome.toString()), "bash", "-c", script);
  }

  private Result run(Map<String, String> env, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
    Map<String, String> e = pb.environment();
    e.keySet().removeAll(List.of("JAVA_OPTS", "NODEMESH_REBUILD"));
    e.put("NODEMESH_JVM_ROOT", jvms.toString());
    e.put("JAVA_HOME", REAL_JAVA_HOME);
    e.put("PATH", fakeBin + ":" + System.getenv("PATH"));
    e.putAll(env);
    return Scripts.run(pb, 1);
  }

  /** A runnable jar whose main prints what it was given and exits with the code after --exit=. */
  private void writeStubJar(Path jar) throws IOException {
    Scripts.stubJar(
        jar,
        root,
        """
        System.out.println("args=" + java.util.Arrays.toString(args));
        System.out.println("home=" + System.getProperty("nodemesh.home"));
        System.out.println("option=" + System.getProperty("stub.option"));
        System.out.println("jvm=" + java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        for (String a : args) {
          if (a.startsWith("--exit=")) {
            System.exit(Integer.parseInt(a.substring(7)));
          }
        }
        """);
  }
}
