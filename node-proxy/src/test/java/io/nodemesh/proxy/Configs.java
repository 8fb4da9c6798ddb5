package io.nodemesh.proxy;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
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
}
