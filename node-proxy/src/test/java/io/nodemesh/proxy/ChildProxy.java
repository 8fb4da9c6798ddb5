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
