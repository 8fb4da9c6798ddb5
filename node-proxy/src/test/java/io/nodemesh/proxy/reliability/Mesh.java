package io.nodemesh.proxy.reliability;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.testkit.HttpBackend;
import java.util.List;

/** Configs for the reliability tests. */
final class Mesh {
  private Mesh() {}

  static ProxyOptions options() {
    return new ProxyOptions(null, "127.0.0.1", 0, -1, "reliability", 2);
  }

  /** A proxy with the reliability options and default HTTP and limit settings. */
  static io.nodemesh.proxy.NodeProxy proxy() {
    return io.nodemesh.proxy.NodeProxy.start(
        options(),
        io.nodemesh.proxy.upstream.HttpProxySettings.defaults(),
        io.nodemesh.proxy.limits.LimitSettings.defaults());
  }

  static ListenerConfig http(String service, int proxyPort, RouteConfig route) {
    return new ListenerConfig("default", service, 80, Protocol.HTTP, proxyPort, route);
  }

  static MeshConfig config(long version, List<ListenerConfig> listeners) {
    return new MeshConfig(version, "mesh", listeners);
  }

  static MeshConfig config(long version, ListenerConfig... listeners) {
    return config(version, List.of(listeners));
  }

  static BackendConfig backend(String service, int weight, HttpBackend... endpoints) {
    List<EndpointConfig> eps =
        java.util.Arrays.stream(endpoints).map(HttpBackend::endpoint).toList();
    return new BackendConfig(service, weight, eps);
  }

  /** {@code service} split by weight between its two versions. */
  static RouteConfig split(String service, BackendConfig a, BackendConfig b, HttpBackend root) {
    return new RouteConfig(
        backend(service, 1, root), List.of(a, b), List.of(), "default/" + service + "-split");
  }
}
