package io.nodemesh.proxy.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.proxy.Listeners;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessGuardTest {
  private static final ListenerConfig API = Listeners.shopApi(5001, List.of());

  private static AccessConfig access(Map<String, String> identities) {
    return Listeners.webMayCall(
        API,
        identities,
        "HTTPRouteGroup shop/routes",
        List.of(new HttpMatch("routes/token", "/", List.of(), Map.of("x-token", "ok"))));
  }

  private static HttpRequest get(String name, String value) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x?y=1");
    if (name != null) {
      r.headers().add(name, value);
    }
    return r;
  }

  @Test
  void thePeerAddressDecidesAndHeadersOnlyMatchRules() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AccessGuard g =
        AccessGuard.of(
            AccessPolicy.compile(access(Map.of("10.0.0.2", "default/web"))), API, registry);
    InetSocketAddress web = new InetSocketAddress("10.0.0.2", 40000);
    InetSocketAddress other = new InetSocketAddress("10.0.0.3", 40000);
    assertThat(g.denyHttp(web.getAddress(), get("X-Token", "ok"), "/x")).isNull();
    assertThat(g.denyHttp(web.getAddress(), get("X-Token", "nope"), "/x"))
        .isEqualTo("no TrafficTarget allows sa default/web to GET /x on shop/api");
    assertThat(g.denyHttp(other.getAddress(), get("X-Token", "ok"), "/x"))
        .isEqualTo("source 10.0.0.3 is not a known pod; denied on shop/api:80");
    assertThat(g.denyL4(web)).isNotNull();
    assertThat(
            registry.get("nodemesh.access.denied").tag("reason", "not_allowed").counter().count())
        .isEqualTo(2);
    assertThat(
            registry
                .get("nodemesh.access.denied")
                .tag("reason", "unknown_source")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void offAllowsEverythingAndRegistersNothing() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AccessGuard g = AccessGuard.of(AccessPolicy.open(), API, registry);
    assertThat(g.denyL4(new InetSocketAddress("192.0.2.1", 1))).isNull();
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void aConfigWithABadIdentityIsRefusedAsAWhole() {
    MeshConfig bad =
        new MeshConfig(7, "mesh", List.of(API), access(Map.of("pod-a", "default/web")));
    assertThatThrownBy(() -> RoutingTable.compile(bad, new ProxyMetrics()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("config 7: access: access identity 'pod-a' is not an IP literal");
  }
}
