package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.Wire;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 10,000 idle keep-alive connections, each of which has carried one request, held open against a
 * proxy in its own JVM with a 256 MiB heap cap: the heap it needs for them stays small and bounded,
 * and it keeps serving. Needs about 10,100 file descriptors in each process ({@code ulimit -n});
 * fewer, and the test says so and is skipped.
 */
class IdleConnectionsHeapIT {
  static final int CONNECTIONS = 10_000;
  static final String GET = "GET / HTTP/1.1\r\nHost: web.default.mesh\r\n\r\n";

  @RegisterExtension final HttpBackend backend = HttpBackend.start("web");

  @Test
  void tenThousandIdleConnectionsKeepTheHeapBounded() throws Exception {
    long fds = FileDescriptors.limit();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        fds < 0 || fds >= CONNECTIONS + 500,
        "open-file limit " + fds + " is below " + (CONNECTIONS + 500) + "; raise ulimit -n");
    int port = Ports.free();
    List<Wire> open = new CopyOnWriteArrayList<>();
    try (ChildProxy child = new ChildProxy("256m", backend.port(), port, CONNECTIONS * 2)) {
      Load.warmUp(port, "web.default.mesh", 1000);
      long before = child.heapUsed();
      long rssBefore = child.rss();
      long t0 = System.nanoTime();
      List<Thread> openers = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        openers.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        for (int i = 0; i < CONNECTIONS / 8; i++) {
                          Wire w = new Wire(port);
                          open.add(w);
                          if (w.exchange(GET).status() != 200) {
                            throw new IllegalStateException("not 200");
                          }
                        }
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    }));
      }
      for (Thread t : openers) {
        t.join();
      }
      long openMillis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(open).hasSize(CONNECTIONS);
      long after = child.heapUsed();
      long rssAfter = child.rss();
      long perConnection = (after - before) / CONNECTIONS;
      Load.record(
          String.format(
              "[reliability] idle-connections: %d keep-alive connections opened (one request each)"
                  + " in %d ms; proxy heap after GC %.1f MiB -> %.1f MiB (%d bytes per connection);"
                  + " RSS %.1f MiB -> %.1f MiB",
              CONNECTIONS,
              openMillis,
              before / 1048576.0,
              after / 1048576.0,
              perConnection,
              rssBefore / 1048576.0,
              rssAfter / 1048576.0));
      assertThat(after).as("heap after GC with every connection open").isLessThan(128L << 20);
      assertThat(perConnection).isLessThan(8 * 1024);
      // Still serving: old connections and a new one.
      for (int i = 0; i < CONNECTIONS; i += CONNECTIONS / 100) {
        assertThat(open.get(i).exchange(GET).status()).isEqualTo(200);
      }
      try (Wire w = new Wire(port)) {
        assertThat(w.exchange(GET).status()).isEqualTo(200);
      }
    } finally {
      for (Wire w : open) {
        w.close();
      }
    }
  }
}
