package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.FakeController;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.Wire;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The proxy fed by a controller over the long-poll API. */
class ConfigClientIT {
  @RegisterExtension private final HttpBackend v1 = HttpBackend.start("v1");
  @RegisterExtension private final HttpBackend v2 = HttpBackend.start("v2");
  @RegisterExtension private final Closing closing = new Closing();
  private FakeController controller;
  private NodeProxy proxy;

  private NodeProxy start(int controllerPort) {
    return NodeProxy.start(
        local().withController(URI.create("http://127.0.0.1:" + controllerPort + "/")),
        HttpProxySettings.defaults(),
        Duration.ofSeconds(1));
  }

  @Test
  void keepsTheLastGoodConfigWhileTheControllerIsAwayAndPicksUpTheNextOne() throws Exception {
    int port = freePort();
    controller = closing.add(new FakeController(0));
    int controllerPort = controller.port();
    controller.publish(
        config(1, MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(v1.backend("web", 1)))));
    proxy = closing.add(start(controllerPort));
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.appliedVersion() == 1);

    // Long-poll: with nothing new, the controller answers 304 after its wait and the proxy asks
    // again.
    await().atMost(Duration.ofSeconds(10)).until(() -> controller.notModified.get() >= 2);
    assertThat(proxy.appliedVersion()).isEqualTo(1);

    // A new version wakes the held poll.
    controller.publish(
        config(2, MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(v2.backend("web", 1)))));
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.appliedVersion() == 2);

    controller.close();
    int okBefore = controller.ok.get();
    try (Wire c = new Wire(port)) {
      for (int i = 0; i < 5; i++) {
        assertThat(c.get("/", "web.default.mesh").body()).isEqualTo("v2");
      }
    }
    assertThat(proxy.appliedVersion()).isEqualTo(2);
    assertThat(okBefore).isEqualTo(2);

    controller = closing.add(new FakeController(controllerPort));
    controller.publish(
        config(3, MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(v1.backend("web", 1)))));
    await().atMost(Duration.ofSeconds(15)).until(() -> proxy.appliedVersion() == 3);
    try (Wire c = new Wire(port)) {
      assertThat(c.get("/", "web.default.mesh").body()).isEqualTo("v1");
    }
  }

  @Test
  void aConfigThatCannotBeAppliedIsRejectedAndTheOldOneStays() throws Exception {
    int port = freePort();
    controller = closing.add(new FakeController(0));
    controller.publish(
        config(1, MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(v1.backend("web", 1)))));
    proxy = closing.add(start(controller.port()));
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.appliedVersion() == 1);

    // Parses, but an endpoint that is not an IP literal cannot be compiled.
    BackendConfig bad =
        new BackendConfig("web", 1, List.of(EndpointConfig.ready("web.example", 80)));
    controller.publish(config(2, MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(bad))));
    await().atMost(Duration.ofSeconds(5)).until(() -> controller.ok.get() >= 2);
    controller.publish("\"3\"", "{\"version\": ");
    await().atMost(Duration.ofSeconds(5)).until(() -> controller.ok.get() >= 3);
    assertThat(proxy.appliedVersion()).isEqualTo(1);
    try (Wire c = new Wire(port)) {
      assertThat(c.get("/", "web.default.mesh").body()).isEqualTo("v1");
    }

    controller.publish(
        config(4, MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(v2.backend("web", 1)))));
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.appliedVersion() == 4);
    // The rejected versions were not fetched again and again: each poll waited for a newer one.
    assertThat(controller.ok.get()).isLessThanOrEqualTo(5);
    assertThat(MeshConfigJson.write(proxy.config())).contains("\"version\":4");
  }
}
