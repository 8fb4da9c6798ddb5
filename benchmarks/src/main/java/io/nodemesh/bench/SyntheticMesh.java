package io.nodemesh.bench;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Proxy configurations of a given size, shaped like a real mesh: every tenth service is the root of
 * a 90/9/1 split whose matches are a path regex, a method list and a header regex.
 */
public final class SyntheticMesh {
  /** The first proxy port; listener i serves on {@code FIRST_PROXY_PORT + i}. */
  public static final int FIRST_PROXY_PORT = 20000;

  private SyntheticMesh() {}

  /** The service name of listener {@code i}. */
  public static String service(int i) {
    return "svc-" + i;
  }

  /** The namespace of listener {@code i}: a hundred services per namespace. */
  public static String namespace(int i) {
    return "ns-" + (i / 100);
  }

  /** The matches every split root carries. */
  public static List<HttpMatch> canaryMatches() {
    return List.of(
        new HttpMatch("canary/api", "/api/v[0-9]+/", List.of("GET", "POST"), Map.of()),
        new HttpMatch("canary/header", null, List.of(), Map.of("x-canary", "true|yes|1")));
  }

  /**
   * A config of {@code services} HTTP listeners with {@code endpoints} ready endpoints each.
   *
   * @param splits whether every tenth service is a split root with {@link #canaryMatches()}
   */
  public static MeshConfig config(long version, int services, int endpoints, boolean splits) {
    List<ListenerConfig> listeners = new ArrayList<>(services);
    for (int i = 0; i < services; i++) {
      BackendConfig root = backend(service(i), 1, i, endpoints);
      RouteConfig route;
      if (splits && i % 10 == 0) {
        route =
            new RouteConfig(
                root,
                List.of(
                    backend(service(i) + "-v1", 90, i, endpoints),
                    backend(service(i) + "-v2", 9, i + 1, endpoints),
                    backend(service(i) + "-v3", 1, i + 2, endpoints)),
                canaryMatches(),
                namespace(i) + "/split-" + i);
      } else {
        route = RouteConfig.direct(root);
      }
      listeners.add(
          new ListenerConfig(
              namespace(i), service(i), 80, Protocol.HTTP, FIRST_PROXY_PORT + i, route));
    }
    return new MeshConfig(version, "mesh", listeners);
  }

  private static BackendConfig backend(String name, int weight, int seed, int endpoints) {
    List<EndpointConfig> eps = new ArrayList<>(endpoints);
    for (int e = 0; e < endpoints; e++) {
      eps.add(EndpointConfig.ready(ip(seed * 16 + e), 8080));
    }
    return new BackendConfig(name, weight, eps);
  }

  /** A distinct 10.x.y.z address for every {@code n} below 2^24. */
  public static String ip(int n) {
    return "10." + ((n >> 16) & 0xff) + "." + ((n >> 8) & 0xff) + "." + (n & 0xff);
  }
}
