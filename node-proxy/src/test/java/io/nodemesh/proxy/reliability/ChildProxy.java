package io.nodemesh.proxy.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts {@link ProxyProcess} in a child JVM and talks to it over stdin and stdout. */
final class ChildProxy implements AutoCloseable {
  private final Process process;
  private final OutputStream stdin;
  private final Path out;
  private int consumed;

  ChildProxy(String maxHeap, int backendPort, int listenPort, int maxConnections)
      throws IOException, InterruptedException {
    this(maxHeap, backendPort, listenPort, maxConnections, 0);
  }

  /** As above, with a drain delay on SIGTERM ({@code bin/nodemesh proxy --drain-delay}). */
  ChildProxy(
      String maxHeap, int backendPort, int listenPort, int maxConnections, long drainDelayMillis)
      throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-Xmx" + maxHeap);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ProxyProcess.class.getName());
    cmd.add(Integer.toString(backendPort));
    cmd.add(Integer.toString(listenPort));
    cmd.add(Integer.toString(maxConnections));
    cmd.add(Long.toString(drainDelayMillis));
    out = Path.of("target", "proxy-process-" + listenPort + ".out");
    Files.deleteIfExists(out);
    // A file, not a pipe: what the child prints while it exits must not depend on a reader.
    process =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(Path.of("target", "proxy-process-" + listenPort + ".log").toFile())
            .start();
    stdin = process.getOutputStream();
    String ready = nextLine(30);
    if (!"READY".equals(ready)) {
      process.destroyForcibly();
      throw new IllegalStateException("child proxy did not start: " + ready);
    }
  }

  /** The heap the child uses after a full GC, in bytes. */
  long heapUsed() throws IOException, InterruptedException {
    stdin.write("heap\n".getBytes(StandardCharsets.UTF_8));
    stdin.flush();
    String l = nextLine(30);
    if (l == null || !l.startsWith("HEAP ")) {
      throw new IllegalStateException("no heap figure from the child: " + l);
    }
    return Long.parseLong(l.substring(5));
  }

  long rss() {
    return ProxyProcess.rss(process.pid());
  }

  /** SIGTERM, as Kubernetes sends it. */
  void terminate() {
    process.destroy();
  }

  /** The next line the child prints, or null after the timeout. */
  String nextLine(long seconds) throws InterruptedException {
    try {
      String line =
          org.awaitility.Awaitility.await()
              .atMost(java.time.Duration.ofSeconds(seconds))
              .pollInterval(java.time.Duration.ofMillis(20))
              .until(
                  () -> {
                    List<String> all = Files.readAllLines(out);
                    return all.size() > consumed ? all.get(consumed) : null;
                  },
                  java.util.Objects::nonNull);
      consumed++;
      return line;
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      return null;
    }
  }

  int exitValue() {
    return process.exitValue();
  }

  boolean waitFor(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
