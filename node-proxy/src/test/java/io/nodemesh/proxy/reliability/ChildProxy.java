package io.nodemesh.proxy.reliability;

import io.nodemesh.testkit.ChildJvm;
import java.io.IOException;
import java.util.List;

/**
 * {@link ProxyProcess} in a child JVM, started by the test kit's launcher; this adapter only knows
 * the child's arguments and its line protocol.
 */
final class ChildProxy implements AutoCloseable {
  private final ChildJvm jvm;

  ChildProxy(String maxHeap, int backendPort, int listenPort, int maxConnections)
      throws IOException {
    this(maxHeap, backendPort, listenPort, maxConnections, 0);
  }

  /** As above, with a drain delay on SIGTERM ({@code bin/nodemesh proxy --drain-delay}). */
  ChildProxy(
      String maxHeap, int backendPort, int listenPort, int maxConnections, long drainDelayMillis)
      throws IOException {
    jvm =
        ChildJvm.start(
            "proxy-process-" + listenPort,
            List.of("-Xmx" + maxHeap),
            ProxyProcess.class,
            List.of(
                Integer.toString(backendPort),
                Integer.toString(listenPort),
                Integer.toString(maxConnections),
                Long.toString(drainDelayMillis)));
    String ready = jvm.nextLine(30);
    if (!"READY".equals(ready)) {
      jvm.close();
      throw new IllegalStateException("child proxy did not start: " + ready);
    }
  }

  /** The heap the child uses after a full GC, in bytes. */
  long heapUsed() throws IOException {
    jvm.send("heap");
    String l = jvm.nextLine(30);
    if (l == null || !l.startsWith("HEAP ")) {
      throw new IllegalStateException("no heap figure from the child: " + l);
    }
    return Long.parseLong(l.substring(5));
  }

  long rss() {
    return jvm.rss();
  }

  /** SIGTERM, as Kubernetes sends it. */
  void terminate() {
    jvm.terminate();
  }

  /** The next line the child prints, or null after the timeout. */
  String nextLine(long seconds) {
    return jvm.nextLine(seconds);
  }

  int exitValue() {
    return jvm.exitValue();
  }

  boolean waitFor(long seconds) throws InterruptedException {
    return jvm.waitFor(seconds);
  }

  @Override
  public void close() {
    jvm.close();
  }
}
