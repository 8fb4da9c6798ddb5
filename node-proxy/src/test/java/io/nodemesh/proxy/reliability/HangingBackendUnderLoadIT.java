package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.HttpBackend;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One Service's backend hangs (accepts, reads, never answers) while another Service takes 900
 * requests per second: every request to the hung one gets its 504 when the timeout fires, and the
 * healthy Service sees no failure and no latency anywhere near the timeout, because nothing waits
 * on an event loop.
 */
class HangingBackendUnderLoadIT {
  static final Duration TIMEOUT = Duration.ofMillis(500);
  static final Duration DURATION = Duration.ofSeconds(4);

  @RegisterExtension final HttpBackend fast = HttpBackend.start("fast");
  @RegisterExtension final HttpBackend hung = HttpBackend.start("hung");
  NodeProxy proxy;

  @BeforeEach
  void start() throws Exception {
    hung.hold = new CountDownLatch(1);
    proxy =
        NodeProxy.start(
            Mesh.options(),
            HttpProxySettings.defaults().withRequestTimeout(TIMEOUT),
            LimitSettings.defaults());
  }

  @AfterEach
  void stop() {
    proxy.close();
  }

  @Test
  void hungBackendTimesOutAndTheOtherServiceIsUnaffected() throws Exception {
    int fastPort = Ports.free();
    int hungPort = Ports.free();
    proxy.apply(
        Mesh.config(
            1,
            Mesh.http("fast", fastPort, RouteConfig.direct(Mesh.backend("fast", 1, fast))),
            Mesh.http("hung", hungPort, RouteConfig.direct(Mesh.backend("hung", 1, hung)))));
    Load.warmUp(fastPort, "fast.default.mesh", 3000);
    Load.Result baseline =
        new Load("hung-backend/baseline", fastPort, "fast.default.mesh", 900, DURATION, 45).run();

    // 100 req/s into a backend that never answers: each connection waits out the timeout, so it
    // takes 50+ connections to keep the rate.
    Load hungLoad = new Load("hung-backend/hung", hungPort, "hung.default.mesh", 100, DURATION, 80);
    CompletableFuture<Load.Result> hungRun = hungLoad.start();
    Load.Result during =
        new Load("hung-backend/healthy", fastPort, "fast.default.mesh", 900, DURATION, 45).run();
    Load.Result h = hungRun.get();

    assertThat(h.failures()).isEqualTo(Map.of("status 504", 100 * DURATION.toSeconds()));
    // Every timeout fired on time: not before the limit, and not much after it.
    assertThat(h.p50Micros()).isGreaterThanOrEqualTo(TIMEOUT.toNanos() / 1000);
    assertThat(h.maxMicros()).isLessThan(TIMEOUT.toNanos() / 1000 + 1_000_000);
    assertThat(baseline.failed()).as(baseline.line()).isZero();
    assertThat(during.failed()).as(during.line()).isZero();
    // A blocked event loop would show up as healthy requests waiting out the 500 ms timeout. On a
    // busy shared machine the baseline itself is noisy, so the bound is relative to it.
    long bound = Math.max(250_000, 2 * baseline.p99Micros());
    assertThat(during.p99Micros()).as(during.line()).isLessThan(bound);
  }
}
