package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.MeshConfig;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.FakeController;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The controller goes away in the middle of a steady load and comes back with a new config: the
 * proxy keeps serving its last good config without a single failure, and applies the new one within
 * 2 s of the controller's return (fail static, like Linkerd).
 */
class ControllerRestartUnderLoadIT {
  static final int RATE = 1000;
  static final Duration DURATION = Duration.ofSeconds(6);

  @RegisterExtension final HttpBackend v1 = HttpBackend.start("v1");
  @RegisterExtension final HttpBackend v2 = HttpBackend.start("v2");
  // The fake controller this test was written against held a poll at most 5 s.
  private static final java.time.Duration HOLD = java.time.Duration.ofSeconds(5);

  @RegisterExtension final Closing closing = new Closing();
  FakeController controller;
  NodeProxy proxy;

  MeshConfig config(long version, int webPort, int w1) {
    return Mesh.config(
        version,
        MeshConfigs.Listener.WEB.on(
            webPort,
            Mesh.split(
                "web", Mesh.backend("web-v1", w1, v1), Mesh.backend("web-v2", 100 - w1, v2), v1)));
  }

  @Test
  void controllerKilledAndRestartedFailsNoRequestAndIsCaughtUpWithinTwoSeconds() throws Exception {
    int webPort = Ports.free();
    int controllerPort = Ports.free();
    controller = closing.add(new FakeController(controllerPort, config(1, webPort, 100)));
    controller.maxHold = HOLD;
    proxy =
        closing.add(
            NodeProxy.start(
                Mesh.options().withController(URI.create("http://127.0.0.1:" + controllerPort)),
                HttpProxySettings.defaults(),
                LimitSettings.defaults()));
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.appliedVersion() == 1);
    Load.warmUp(webPort, "web.default.mesh", 3000);
    Load load = new Load("controller-restart", webPort, "web.default.mesh", RATE, DURATION, 50);
    CompletableFuture<Load.Result> run = load.start();
    long t0 = System.nanoTime();
    // Pacing of the scenario: the controller dies 1 s into the run and stays dead for 2.5 s.
    LockSupport.parkNanos(t0 + Duration.ofSeconds(1).toNanos() - System.nanoTime());
    controller.close();
    controller = null;
    LockSupport.parkNanos(t0 + Duration.ofMillis(3500).toNanos() - System.nanoTime());
    assertThat(proxy.appliedVersion()).as("last good config kept").isEqualTo(1);
    long back = System.nanoTime();
    controller = closing.add(new FakeController(controllerPort, config(2, webPort, 0)));
    controller.maxHold = HOLD;
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> proxy.appliedVersion() == 2);
    long catchUpMillis = (System.nanoTime() - back) / 1_000_000;
    int v2Before = v2.requests.get();
    Load.Result r = run.get();
    Load.record(
        "[reliability] controller-restart: controller down 2.5 s, new config applied "
            + catchUpMillis
            + " ms after it came back");
    assertThat(r.failed()).as(r.line()).isZero();
    assertThat(r.ok()).isEqualTo(RATE * DURATION.toSeconds());
    assertThat(catchUpMillis).isLessThan(2000);
    assertThat(v2.requests.get()).as("the new weights are in force").isGreaterThan(v2Before);
  }
}
