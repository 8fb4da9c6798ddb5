package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's AOT cache, made the way the image makes it ({@code bin/build-runtime --aot}, which
 * runs {@code bin/train-aot}), fits the runtime, the jar and the default proxy flags: a JVM told to
 * use it or fail ({@code -XX:AOTMode=on}) starts. The chart relies on that fit, and it breaks
 * silently (an error line, a slower start) when a default flag changes without a new training.
 */
class AotCacheIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path JAR = ROOT.resolve("cli/target/nodemesh-all.jar");

  @Test
  void trainedCacheFitsTheRuntimeWithTheDefaultProxyFlags(@TempDir Path dir) throws Exception {
    assertThat(JAR).as("the shaded jar (package phase)").exists();
    Path runtime = dir.resolve("runtime");
    Path cache = dir.resolve("proxy.aot");
    Run build =
        run(
            ROOT.resolve("bin/build-runtime").toString(),
            "--jar",
            JAR.toString(),
            "--output",
            runtime.toString(),
            "--aot",
            cache.toString());
    assertThat(build.code()).as(build.output()).isZero();
    assertThat(cache).isNotEmptyFile();

    List<String> flags =
        Files.readAllLines(ROOT.resolve("docker/proxy-jvm-options")).stream()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();
    Run fits = java(runtime, flags, cache);
    assertThat(fits.code()).as(fits.output()).isZero();
    assertThat(fits.output()).contains("nodemesh ");

    // The check is real: another object header layout does not fit the same cache.
    List<String> other = new ArrayList<>(flags);
    other.remove("-XX:+UseCompactObjectHeaders");
    other.add("-XX:-UseCompactObjectHeaders");
    Run misfit = java(runtime, other, cache);
    assertThat(misfit.code()).as(misfit.output()).isNotZero();
    assertThat(misfit.output()).contains("AOT cache");
  }

  private static Run java(Path runtime, List<String> flags, Path cache) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(runtime.resolve("bin/java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.addAll(flags);
    cmd.add("-XX:AOTMode=on");
    cmd.add("-XX:AOTCache=" + cache);
    cmd.addAll(List.of("-jar", JAR.toString(), "version"));
    return run(cmd.toArray(String[]::new));
  }

  private record Run(int code, String output) {}

  private static Run run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), out);
  }
}
