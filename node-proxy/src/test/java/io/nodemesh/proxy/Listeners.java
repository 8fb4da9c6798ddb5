package io.nodemesh.proxy;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import java.util.List;
import java.util.Map;

/**
 * The listeners, grants and tunnel tables the proxy's tests write most, in the contract's records:
 * HTTP listeners with a policy, the gRPC echo Service, {@code shop/web}, {@code shop/api} that
 * {@code default/web} may call, and a STRICT tunnel table.
 */
public final class Listeners {
  private Listeners() {}

  /** An HTTP listener for {@code ns/svc:port} on {@code proxyPort}; {@code policy} null: none. */
  public static ListenerConfig http(
      String ns, String svc, int port, int proxyPort, RouteConfig route, ServicePolicy policy) {
    return new ListenerConfig(ns, svc, port, Protocol.HTTP, proxyPort, route, policy);
  }

  /** A backend of weight 1 with one ready endpoint, {@code 127.0.0.1:port}. */
  public static BackendConfig loopback(String name, int port) {
    return new BackendConfig(name, 1, List.of(EndpointConfig.ready("127.0.0.1", port)));
  }

  /** {@code default/svc:50051}, a gRPC Service (h2c to its backends), on {@code proxyPort}. */
  public static ListenerConfig grpc(String svc, int proxyPort, RouteConfig route) {
    return http("default", svc, 50051, proxyPort, route, new ServicePolicy(Scheme.H2C));
  }

  /** {@code shop/web:80} on {@code proxyPort}, no policy. */
  public static ListenerConfig shopWeb(int proxyPort, RouteConfig route) {
    return http("shop", "web", 80, proxyPort, route, null);
  }

  /**
   * A tunnel table in mode STRICT everywhere, for {@code trustDomain}: node name to tunnel address,
   * pod IP to its node and ServiceAccount.
   */
  public static TunnelConfig strictTunnel(
      String trustDomain, Map<String, String> nodes, Map<String, TunnelPod> pods) {
    return new TunnelConfig(MtlsMode.STRICT, Map.of(), trustDomain, nodes, pods);
  }

  /**
   * Rule {@code shop/web#0}: 90 to {@code web-v1}, 10 to {@code web-v2}, and {@code percent} of
   * requests mirrored to {@code shadow}.
   */
  public static RouteRule canaryMirrored(
      List<EndpointConfig> v1, List<EndpointConfig> v2, List<EndpointConfig> shadow, int percent) {
    return new RouteRule(
        "shop/web#0",
        List.of(),
        List.of(new RouteFilter.RequestMirror(new BackendConfig("shadow", 1, shadow), percent)),
        List.of(new BackendConfig("web-v1", 90, v1), new BackendConfig("web-v2", 10, v2)),
        0,
        null,
        null,
        null);
  }

  /** {@code shop/api:80} on {@code proxyPort} to backend {@code api} of these endpoints. */
  public static ListenerConfig shopApi(int proxyPort, List<EndpointConfig> endpoints) {
    return shopApi(proxyPort, endpoints, null);
  }

  /** As {@link #shopApi(int, List)}, with {@code policy} (null: none). */
  public static ListenerConfig shopApi(
      int proxyPort, List<EndpointConfig> endpoints, ServicePolicy policy) {
    return http(
        "shop",
        "api",
        80,
        proxyPort,
        RouteConfig.direct(new BackendConfig("api", 1, endpoints)),
        policy);
  }

  /**
   * ACL mode with these pod identities, where {@code default/web} may call {@code api} (served by
   * {@code shop/api}) by the grant {@code shop/web-to-api} of {@code route}, limited to {@code
   * matches} (none: any request).
   */
  public static AccessConfig webMayCall(
      ListenerConfig api, Map<String, String> identities, String route, List<HttpMatch> matches) {
    return new AccessConfig(
        true,
        identities,
        List.of(
            new ListenerAccess(
                api.key(),
                List.of("shop/api"),
                List.of(
                    new AccessGrant(
                        "shop/web-to-api", route, "shop/api", List.of("default/web"), matches)))));
  }
}
