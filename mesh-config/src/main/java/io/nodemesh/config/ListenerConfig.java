package io.nodemesh.config;

import java.util.Objects;

/**
 * One meshed Service port and the proxy port that serves it.
 *
 * @param namespace the Service's namespace
 * @param service the Service's name
 * @param port the Service port clients call
 * @param protocol how the port is spoken
 * @param proxyPort the port the node proxy listens on for it (the shadow Service's targetPort)
 * @param route where its traffic goes
 * @param policy balancing, resilience and upstream protocol; defaults when absent
 */
public record ListenerConfig(
    String namespace,
    String service,
    int port,
    Protocol protocol,
    int proxyPort,
    RouteConfig route,
    ServicePolicy policy) {
  public ListenerConfig {
    policy = policy == null ? ServicePolicy.defaults() : policy;
    Objects.requireNonNull(namespace, "listener namespace");
    Objects.requireNonNull(service, "listener service");
    Objects.requireNonNull(protocol, "listener protocol");
    Objects.requireNonNull(route, "listener route");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(key() + ": port " + port + " is not in 1..65535");
    }
    if (proxyPort < 1 || proxyPort > 65535) {
      throw new IllegalArgumentException(
          key() + ": proxyPort " + proxyPort + " is not in 1..65535");
    }
  }

  /** A listener whose Service carries no policy annotations. */
  public ListenerConfig(
      String namespace,
      String service,
      int port,
      Protocol protocol,
      int proxyPort,
      RouteConfig route) {
    this(namespace, service, port, protocol, proxyPort, route, ServicePolicy.defaults());
  }

  /** {@code namespace/service:port}, the listener's identity in logs and errors. */
  public String key() {
    return namespace + "/" + service + ":" + port;
  }
}
