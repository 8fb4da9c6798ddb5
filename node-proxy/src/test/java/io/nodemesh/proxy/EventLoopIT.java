package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.http;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The event loops never block: scheduled probe ticks keep running on time under traffic. */
class EventLoopIT {
  /** Above scheduling noise on a busy shared machine, half the slow backend's delay. */
  private static final long MAX_LAG_MS = 250;

  @Test
  void theProbeSeesABlockedLoop() {
    MultiThreadIoEventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try (LagProbe probe = new LagProbe(group)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> probe.ticks() > 3);
      group.next().execute(() -> LockSupport.parkNanos(Duration.ofMillis(400).toNanos()));
      await().atMost(Duration.ofSeconds(5)).until(() -> probe.maxLagMillis() >= 300);
    } finally {
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void trafficThroughSlowAndFastBackendsNeverStallsAnEventLoop() throws Exception {
    try (HttpBackend fast = new HttpBackend("fast");
        HttpBackend slow = new HttpBackend("slow");
        NodeProxy proxy = NodeProxy.start(local().withEventLoopThreads(2))) {
      slow.delayMillis = 500;
      int fastPort = freePort();
      int slowPort = freePort();
      proxy.apply(
          config(
              1,
              http("default", "fast", 80, fastPort, RouteConfig.direct(fast.backend("fast", 1))),
              http("default", "slow", 80, slowPort, RouteConfig.direct(slow.backend("slow", 1)))));
      try (LagProbe probe = new LagProbe(proxy.eventLoops())) {
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          int port = i % 2 == 0 ? slowPort : fastPort;
          int rounds = i % 2 == 0 ? 3 : 300;
          String host = i % 2 == 0 ? "slow.default.mesh" : "fast.default.mesh";
          clients.add(
              CompletableFuture.runAsync(
                  () -> {
                    try (Wire c = new Wire(port)) {
                      for (int r = 0; r < rounds; r++) {
                        assertThat(c.get("/", host).status()).isEqualTo(200);
                      }
                    } catch (java.io.IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  },
                  Thread.ofVirtual()::start));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
        assertThat(slow.requests.get()).isEqualTo(6);
        assertThat(fast.requests.get()).isEqualTo(600);
        assertThat(probe.ticks()).isGreaterThan(100);
        assertThat(probe.maxLagMillis()).isLessThan(MAX_LAG_MS);
      }
    }
  }
}
