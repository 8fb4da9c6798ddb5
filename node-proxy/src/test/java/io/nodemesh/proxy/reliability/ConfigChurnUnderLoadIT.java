package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 200 configuration changes (weights, endpoints, Services appearing and disappearing) while the
 * proxy serves a steady 1,000 requests per second: not one request may fail.
 */
class ConfigChurnUnderLoadIT {
  static final int RATE = 1000;
  static final Duration DURATION = Duration.ofSeconds(6);
  static final int CHANGES = 200;

  @RegisterExtension final HttpBackend v1 = HttpBackend.start("v1");
  @RegisterExtension final HttpBackend v2 = HttpBackend.start("v2");
  @RegisterExtension final HttpBackend v3 = HttpBackend.start("v3");
  @RegisterExtension final Closing closing = new Closing();
  final NodeProxy proxy = closing.add(Mesh.proxy());

  /** The i-th config: a weight, an endpoint set and an extra Service that all change with i. */
  List<ListenerConfig> listeners(int i, int webPort, int[] extraPorts) {
    int w = (i * 7) % 101;
    RouteConfig web =
        Mesh.split(
            "web",
            i % 2 == 0 ? Mesh.backend("web-v1", w, v1) : Mesh.backend("web-v1", w, v1, v3),
            i % 3 == 0
                ? Mesh.backend("web-v2", 100 - w, v2, v3)
                : Mesh.backend("web-v2", 100 - w, v2),
            v1);
    List<ListenerConfig> out = new ArrayList<>();
    out.add(MeshConfigs.Listener.WEB.on(webPort, web));
    // A Service that exists in every other version: its listener is bound and unbound 100 times.
    if (i % 2 == 1) {
      out.add(
          Mesh.http(
              "extra-" + i,
              extraPorts[i % extraPorts.length],
              RouteConfig.direct(Mesh.backend("extra", 1, v3))));
    }
    return out;
  }

  @Test
  void twoHundredConfigChangesUnderLoadFailNoRequest() throws Exception {
    int webPort = Ports.free();
    int[] extraPorts = {Ports.free(), Ports.free(), Ports.free()};
    proxy.apply(Mesh.config(1, listeners(0, webPort, extraPorts)));
    Load.warmUp(webPort, "web.default.mesh", 3000);
    AtomicInteger applied = new AtomicInteger();
    Thread churn =
        Thread.ofPlatform()
            .name("config-churn")
            .start(
                () -> {
                  long start = System.nanoTime();
                  long every = DURATION.minusMillis(500).toNanos() / CHANGES;
                  for (int i = 1; i <= CHANGES; i++) {
                    // Pacing: spread the changes over the run.
                    LockSupport.parkNanos(start + i * every - System.nanoTime());
                    proxy.apply(Mesh.config(1 + i, listeners(i, webPort, extraPorts)));
                    applied.incrementAndGet();
                  }
                });
    Load.Result r = new Load("config-churn", webPort, "web.default.mesh", RATE, DURATION, 50).run();
    churn.join();
    Load.record(
        "[reliability] config-churn: " + applied.get() + " config changes applied during the run");
    assertThat(applied.get()).isEqualTo(CHANGES);
    assertThat(proxy.appliedVersion()).isEqualTo(1 + CHANGES);
    assertThat(r.sent()).isEqualTo(RATE * DURATION.toSeconds());
    assertThat(r.failed()).as(r.line()).isZero();
    assertThat(r.ok()).isEqualTo(r.sent());
  }
}
