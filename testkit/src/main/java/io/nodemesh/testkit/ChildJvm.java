package io.nodemesh.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The proxy launcher: a main class of the test class path in a JVM of its own, for what a test
 * cannot do to a proxy inside its own process (cap its heap or direct memory, measure it alone,
 * send it SIGTERM). The test talks to it in lines: it writes commands to the child's stdin and
 * reads the child's stdout, which goes to {@code target/<name>.out} (a file, not a pipe, so what
 * the child prints while it exits does not depend on a reader); stderr goes to {@code
 * target/<name>.log}. The child's main class lives in the module under test (it needs that module's
 * classes, which the test kit may not depend on) and is named here by its class.
 */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final OutputStream stdin;
  private final Path out;
  private int consumed;

  private ChildJvm(Process process, Path out) {
    this.process = process;
    this.stdin = process.getOutputStream();
    this.out = out;
  }

  /**
   * Starts {@code java <jvmFlags> -cp <this class path> <mainClass> <args>}.
   *
   * @param name names the output files in {@code target/}
   */
  public static ChildJvm start(
      String name, List<String> jvmFlags, Class<?> mainClass, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass.getName());
    cmd.addAll(args);
    Path out = Path.of("target", name + ".out");
    Files.createDirectories(out.getParent());
    Files.deleteIfExists(out);
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(Path.of("target", name + ".log").toFile())
            .start();
    return new ChildJvm(p, out);
  }

  /** Writes one line to the child's stdin. */
  public void send(String line) throws IOException {
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  /** The next line the child prints, or null after the timeout. */
  public String nextLine(long seconds) {
    try {
      String line =
          Awaitility.await()
              .atMost(Duration.ofSeconds(seconds))
              .pollInterval(Duration.ofMillis(20))
              .until(
                  () -> {
                    List<String> all = Files.readAllLines(out);
                    return all.size() > consumed ? all.get(consumed) : null;
                  },
                  Objects::nonNull);
      consumed++;
      return line;
    } catch (ConditionTimeoutException e) {
      return null;
    }
  }

  /** The next line that starts with {@code prefix}, skipping others; null after the timeout. */
  public String nextLine(String prefix, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      long left = TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime());
      String line = nextLine(Math.max(1, left));
      if (line == null || line.startsWith(prefix)) {
        return line;
      }
      if (System.nanoTime() > deadline) {
        return null;
      }
    }
  }

  /** The child's resident set size from /proc, in bytes, or -1 where there is no /proc. */
  public long rss() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /** SIGTERM, as Kubernetes sends it. */
  public void terminate() {
    process.destroy();
  }

  public int exitValue() {
    return process.exitValue();
  }

  public boolean waitFor(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  /** Closes the child's stdin and kills it if it is still running. */
  @Override
  public void close() {
    Loopback.closeQuietly(stdin);
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
