package io.nodemesh.proxy;

import io.netty.buffer.PooledByteBufAllocator;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A node proxy in its own JVM, so a test can cap its heap and direct memory. Applies the config in
 * the file named by the first argument, prints {@code READY}, answers each {@code STATS} line on
 * stdin with its peak heap and pooled direct memory, and exits at the end of stdin.
 */
public final class ChildProxy {
  private ChildProxy() {}

  /** Heap and direct memory of a running child: {@code [heap peak, pooled direct in use]}. */
  static final class Running implements AutoCloseable {
    private final ChildJvm jvm;

    /** Starts a child proxy on {@code config} and waits until it has applied it. */
    Running(Path dir, MeshConfig config, long heapCap, long directCap) throws IOException {
      Path cfg = dir.resolve("config.json");
      Files.writeString(cfg, MeshConfigJson.write(config));
      jvm =
          ChildJvm.start(
              "child-proxy-" + ProcessHandle.current().pid() + "-" + dir.getFileName(),
              List.of(
                  "-Xmx" + (heapCap >> 20) + "m",
                  "-XX:MaxDirectMemorySize=" + (directCap >> 20) + "m"),
              ChildProxy.class,
              List.of(cfg.toString()));
      if (!"READY".equals(jvm.nextLine("READY", 60))) {
        close();
        throw new IllegalStateException("child proxy did not start");
      }
    }

    long[] stats() throws IOException {
      jvm.send("STATS");
      String line = jvm.nextLine("STATS ", 60);
      if (line == null) {
        throw new IllegalStateException("child proxy died");
      }
      String[] f = line.split(" ");
      return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
    }

    @Override
    public void close() {
      jvm.close();
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
