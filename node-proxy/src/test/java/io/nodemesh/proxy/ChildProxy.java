package io.nodemesh.proxy;

import io.netty.buffer.PooledByteBufAllocator;
import io.nodemesh.config.MeshConfigJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A node proxy in its own JVM, so a test can cap its heap and direct memory. Applies the config in
 * the file named by the first argument, prints {@code READY}, answers each {@code STATS} line on
 * stdin with its peak heap and pooled direct memory, and exits at the end of stdin.
 */
public final class ChildProxy {
  private ChildProxy() {}

  /** Heap and direct memory of a running child: {@code [heap peak, pooled direct in use]}. */
  static final class Running implements AutoCloseable {
    private final Process process;
    private final java.io.BufferedReader out;
    private final java.io.PrintStream in;

    /** Starts a child proxy on {@code config} and waits until it has applied it. */
    Running(Path dir, io.nodemesh.config.MeshConfig config, long heapCap, long directCap)
        throws java.io.IOException {
      Path cfg = dir.resolve("config.json");
      Files.writeString(cfg, MeshConfigJson.write(config));
      java.util.List<String> cmd =
          java.util.List.of(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xmx" + (heapCap >> 20) + "m",
              "-XX:MaxDirectMemorySize=" + (directCap >> 20) + "m",
              "--enable-native-access=ALL-UNNAMED",
              "-cp",
              System.getProperty("java.class.path"),
              ChildProxy.class.getName(),
              cfg.toString());
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      out =
          new java.io.BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      in = new java.io.PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
      if (!"READY".equals(skipTo("READY"))) {
        close();
        throw new IllegalStateException("child proxy did not start");
      }
    }

    private String skipTo(String prefix) throws java.io.IOException {
      String line;
      while ((line = out.readLine()) != null && !line.startsWith(prefix)) {
        // Log lines of the child.
      }
      return line;
    }

    long[] stats() throws java.io.IOException {
      in.println("STATS");
      String line = skipTo("STATS ");
      if (line == null) {
        throw new IllegalStateException("child proxy died");
      }
      String[] f = line.split(" ");
      return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
    }

    @Override
    public void close() {
      in.close();
      try {
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    try (NodeProxy proxy = NodeProxy.start(Configs.local())) {
      proxy.apply(MeshConfigJson.read(Files.readString(Path.of(args[0]))));
      System.out.println("READY");
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.equals("STATS")) {
          long heapPeak = 0;
          for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
              heapPeak += pool.getPeakUsage().getUsed();
            }
          }
          long direct = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
          System.out.println("STATS " + heapPeak + " " + direct);
        }
      }
    }
  }
}
