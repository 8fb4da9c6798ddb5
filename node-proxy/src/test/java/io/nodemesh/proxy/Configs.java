package io.nodemesh.proxy;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.http.HttpProxySettings;
import io.nodemesh.proxy.udp.UdpSettings;
import java.time.Duration;
import java.util.List;

/** Test configs. */
final class Configs {
  private Configs() {}

  static int freePort() {
    return io.nodemesh.testkit.Loopback.freePort();
  }

  static ListenerConfig http(String ns, String svc, int port, int proxyPort, RouteConfig route) {
    return new ListenerConfig(ns, svc, port, Protocol.HTTP, proxyPort, route);
  }

  static MeshConfig config(long version, ListenerConfig... listeners) {
    return new MeshConfig(version, "mesh", List.of(listeners));
  }

  static RouteConfig split(BackendConfig root, BackendConfig... split) {
    return new RouteConfig(root, List.of(split), List.of(), "default/split");
  }

  static ProxyOptions local() {
    return new ProxyOptions(null, "127.0.0.1", 0, -1, "test-node", 2);
  }

  /** A local proxy whose UDP sessions idle out after 200 ms, so tests see them end. */
  static NodeProxy udpIdleProxy() {
    return NodeProxy.start(
        local(),
        HttpProxySettings.defaults(),
        UdpSettings.defaults().withIdleTimeout(Duration.ofMillis(200)),
        NodeProxy.POLL_WAIT);
  }
}
