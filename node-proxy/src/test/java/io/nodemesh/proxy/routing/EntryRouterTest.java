package io.nodemesh.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.MeshConfigs.Listener;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The entry port's router keeps the listener of the last Host per connection: a keep-alive
 * connection's requests skip the lookup, but never past a config change or to another Host.
 */
class EntryRouterTest {
  private static final RouteConfig ROUTE =
      RouteConfig.direct(
          new BackendConfig("web", 1, List.of(EndpointConfig.ready("10.0.0.1", 8080))));

  private static RoutingTable table(long version, Listener... services) {
    ListenerConfig[] listeners = new ListenerConfig[services.length];
    for (int i = 0; i < services.length; i++) {
      listeners[i] = services[i].on(6000 + i, ROUTE);
    }
    return RoutingTable.compile(MeshConfigs.config(version, listeners), new ProxyMetrics());
  }

  private static HttpRequest get(String host) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    r.headers().set("host", host);
    return r;
  }

  private static String key(CompiledListener l) {
    return l == null ? null : l.config().key();
  }

  @Test
  void eachRequestGetsTheListenerOfItsOwnHost() {
    RoutingTable t = table(1, Listener.WEB, Listener.SHOP_WEB);
    EntryRouter router = new EntryRouter(() -> t);
    assertThat(key(router.listener(get("web.default.mesh")))).isEqualTo("default/web:80");
    assertThat(key(router.listener(get("web.default.mesh")))).isEqualTo("default/web:80");
    assertThat(key(router.listener(get("web.shop.mesh")))).isEqualTo("shop/web:80");
    assertThat(router.listener(get("nobody.default.mesh"))).isNull();
    assertThat(router.unrouted().message()).contains("nobody.default.mesh");
    assertThat(key(router.listener(get("web.default.mesh")))).isEqualTo("default/web:80");
  }

  @Test
  void aConfigChangeIsSeenByTheNextRequestWithTheSameHost() {
    AtomicReference<RoutingTable> current = new AtomicReference<>(table(1, Listener.WEB));
    EntryRouter router = new EntryRouter(current::get);
    assertThat(key(router.listener(get("web.default.mesh")))).isEqualTo("default/web:80");
    current.set(table(2, Listener.SHOP_WEB));
    assertThat(router.listener(get("web.default.mesh"))).as("the Service left the mesh").isNull();
    current.set(table(3, Listener.WEB));
    CompiledListener back = router.listener(get("web.default.mesh"));
    assertThat(back).isSameAs(current.get().byProxyPort(6000));
  }
}
