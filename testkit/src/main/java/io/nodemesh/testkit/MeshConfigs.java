package io.nodemesh.testkit;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import java.util.List;

/** Small proxy configurations, in the contract's own records, for tests of one listener. */
public final class MeshConfigs {
  private MeshConfigs() {}

  /** The HTTP listener of {@code default/web} port 80 on {@code proxyPort}. */
  public static ListenerConfig web(int proxyPort, RouteConfig route) {
    return new ListenerConfig("default", "web", 80, Protocol.HTTP, proxyPort, route);
  }

  /** As {@link #web(int, RouteConfig)}, with a service policy. */
  public static ListenerConfig web(int proxyPort, RouteConfig route, ServicePolicy policy) {
    return new ListenerConfig("default", "web", 80, Protocol.HTTP, proxyPort, route, policy);
  }

  /** The TCP listener of {@code shop/db} port 5432 on {@code proxyPort}. */
  public static ListenerConfig db(int proxyPort, RouteConfig route) {
    return new ListenerConfig("shop", "db", 5432, Protocol.TCP, proxyPort, route);
  }

  /** As {@link #db(int, RouteConfig)}, with a service policy. */
  public static ListenerConfig db(int proxyPort, RouteConfig route, ServicePolicy policy) {
    return new ListenerConfig("shop", "db", 5432, Protocol.TCP, proxyPort, route, policy);
  }

  /** The UDP listener of {@code shop/dns} port 53 on {@code proxyPort}. */
  public static ListenerConfig dns(int proxyPort, RouteConfig route) {
    return new ListenerConfig("shop", "dns", 53, Protocol.UDP, proxyPort, route);
  }

  /** As {@link #dns(int, RouteConfig)}, with a service policy. */
  public static ListenerConfig dns(int proxyPort, RouteConfig route, ServicePolicy policy) {
    return new ListenerConfig("shop", "dns", 53, Protocol.UDP, proxyPort, route, policy);
  }

  /** The HTTP listener of {@code shop/web} port 80 on {@code proxyPort}. */
  public static ListenerConfig shopWeb(int proxyPort, RouteConfig route) {
    return new ListenerConfig("shop", "web", 80, Protocol.HTTP, proxyPort, route);
  }

  /** As {@link #shopWeb(int, RouteConfig)}, with a service policy. */
  public static ListenerConfig shopWeb(int proxyPort, RouteConfig route, ServicePolicy policy) {
    return new ListenerConfig("shop", "web", 80, Protocol.HTTP, proxyPort, route, policy);
  }

  /** Version {@code version} of a mesh named {@code mesh} with these listeners. */
  public static MeshConfig config(long version, ListenerConfig... listeners) {
    return new MeshConfig(version, "mesh", List.of(listeners));
  }
}
