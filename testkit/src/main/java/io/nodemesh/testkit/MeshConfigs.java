package io.nodemesh.testkit;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import java.util.List;

/** Small proxy configurations, in the contract's own records, for tests of a few listeners. */
public final class MeshConfigs {
  private MeshConfigs() {}

  /** The Services tests listen for most, each on one port and protocol. */
  public enum Listener {
    /** {@code default/web} port 80, HTTP. */
    WEB("default", "web", 80, Protocol.HTTP),
    /** {@code shop/web} port 80, HTTP. */
    SHOP_WEB("shop", "web", 80, Protocol.HTTP),
    /** {@code shop/db} port 5432, TCP. */
    DB("shop", "db", 5432, Protocol.TCP),
    /** {@code shop/dns} port 53, UDP. */
    DNS("shop", "dns", 53, Protocol.UDP);

    private final String namespace;
    private final String service;
    private final int port;
    private final Protocol protocol;

    Listener(String namespace, String service, int port, Protocol protocol) {
      this.namespace = namespace;
      this.service = service;
      this.port = port;
      this.protocol = protocol;
    }

    /** This Service's listener on {@code proxyPort}, without policy annotations. */
    public ListenerConfig on(int proxyPort, RouteConfig route) {
      return on(proxyPort, route, null);
    }

    /** This Service's listener on {@code proxyPort} with {@code policy} (null: defaults). */
    public ListenerConfig on(int proxyPort, RouteConfig route, ServicePolicy policy) {
      return new ListenerConfig(namespace, service, port, protocol, proxyPort, route, policy);
    }
  }

  /** Version {@code version} of a mesh named {@code mesh} with these listeners. */
  public static MeshConfig config(long version, ListenerConfig... listeners) {
    return new MeshConfig(version, "mesh", List.of(listeners));
  }
}
