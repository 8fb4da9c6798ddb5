package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.http;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.Wire;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link NodeProxy#apply} keeps the compiled listeners a new config leaves unchanged. */
class IncrementalApplyIT {
  private final HttpBackend backend;
  private final NodeProxy proxy;

  IncrementalApplyIT() throws IOException {
    backend = new HttpBackend("v1");
    proxy = NodeProxy.start(local());
  }

  @AfterEach
  void stop() {
    proxy.close();
    backend.close();
  }

  private CompiledListener at(ListenerConfig l) {
    return proxy.routingTable().byProxyPort(l.proxyPort());
  }

  @Test
  void unchangedListenersSurviveAnApplyAndARejectedConfig() throws Exception {
    ListenerConfig a =
        http("shop", "a", 80, freePort(), RouteConfig.direct(backend.backend("a", 1)));
    ListenerConfig b =
        http("shop", "b", 80, freePort(), RouteConfig.direct(backend.backend("b", 1)));
    proxy.apply(config(1, a, b));
    CompiledListener first = at(a);

    ListenerConfig b2 =
        http("shop", "b", 80, b.proxyPort(), RouteConfig.direct(backend.backend("b", 2)));
    proxy.apply(config(2, a, b2));
    assertThat(at(a)).isSameAs(first);
    assertThat(at(b2).config()).isSameAs(b2);
    try (Wire c = new Wire(b.proxyPort())) {
      assertThat(c.get("/", "b.shop.mesh").status()).isEqualTo(200);
    }

    ListenerConfig bad =
        http(
            "shop",
            "c",
            80,
            freePort(),
            RouteConfig.direct(
                new BackendConfig("c", 1, List.of(EndpointConfig.ready("c.local", 80)))));
    assertThatThrownBy(() -> proxy.apply(config(3, a, b2, bad)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(at(a)).isSameAs(first);

    // The rejected compile changed nothing in force, so the next apply still reuses the table.
    proxy.apply(config(4, a, b2));
    assertThat(at(a)).isSameAs(first);
    assertThat(proxy.appliedVersion()).isEqualTo(4);
  }
}
