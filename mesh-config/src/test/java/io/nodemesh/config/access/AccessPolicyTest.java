package io.nodemesh.config.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.Protocol;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
  private static final String API = "shop/api:80";
  private static final String DB = "shop/db:5432";

  private static final HttpMatch READ =
      new HttpMatch("api-routes/read", "/api", List.of("GET"), Map.of());
  private static final HttpMatch ADMIN =
      new HttpMatch("api-routes/admin", "/admin", List.of("*"), Map.of("x-admin", "yes|true"));

  private static AccessConfig config() {
    return new AccessConfig(
        true,
        Map.of("10.0.0.2", "default/web", "10.0.0.3", "default/batch", "10.0.0.9", "shop/api"),
        List.of(
            new ListenerAccess(
                API,
                List.of("shop/api"),
                List.of(
                    new AccessGrant(
                        "shop/web-to-api",
                        "HTTPRouteGroup shop/api-routes",
                        "shop/api",
                        List.of("default/web"),
                        List.of(READ, ADMIN)))),
            new ListenerAccess(
                DB,
                List.of("shop/db"),
                List.of(
                    new AccessGrant(
                        "shop/batch-to-db",
                        "TCPRoute shop/db",
                        "shop/db",
                        List.of("default/batch"),
                        List.of())))));
  }

  private static InetAddress ip(String s) {
    return AccessPolicy.ipLiteral(s);
  }

  private static AccessDecision http(
      AccessPolicy p, String from, String method, String path, Map<String, List<String>> headers) {
    return p.decide(API, Protocol.HTTP, ip(from), RequestView.of(method, path, headers));
  }

  @Test
  void allowsOnlyWhatAMatchOfTheRightSourceAllows() {
    AccessPolicy p = AccessPolicy.compile(config());
    assertThat(http(p, "10.0.0.2", "GET", "/api/items?x=1", Map.of()))
        .isEqualTo(
            new AccessDecision.Allow(
                "shop/web-to-api", "HTTPRouteGroup shop/api-routes", "api-routes/read"));
    assertThat(http(p, "10.0.0.2", "POST", "/api/items", Map.of()))
        .isInstanceOfSatisfying(
            AccessDecision.Deny.class,
            d -> {
              assertThat(d.reason()).isEqualTo(AccessDecision.Reason.NOT_ALLOWED);
              assertThat(d.message())
                  .isEqualTo(
                      "no TrafficTarget allows sa default/web to POST /api/items on shop/api");
            });
    // pathRegex is anchored at the start: "/v1/api" does not match "/api".
    assertThat(http(p, "10.0.0.2", "GET", "/v1/api", Map.of()))
        .isInstanceOf(AccessDecision.Deny.class);
    assertThat(http(p, "10.0.0.2", "DELETE", "/admin/x", Map.of("X-Admin", List.of("true"))))
        .isInstanceOf(AccessDecision.Allow.class);
    assertThat(http(p, "10.0.0.2", "DELETE", "/admin/x", Map.of("X-Admin", List.of("truex"))))
        .isInstanceOf(AccessDecision.Deny.class);
    // Another service account gets nothing from web's TrafficTarget.
    assertThat(http(p, "10.0.0.3", "GET", "/api", Map.of()))
        .isInstanceOf(AccessDecision.Deny.class);
  }

  @Test
  void unknownSourceAndUnknownDestinationAreDenied() {
    AccessPolicy p = AccessPolicy.compile(config());
    assertThat(http(p, "10.0.0.77", "GET", "/api", Map.of()))
        .isInstanceOfSatisfying(
            AccessDecision.Deny.class,
            d -> assertThat(d.reason()).isEqualTo(AccessDecision.Reason.UNKNOWN_SOURCE));
    assertThat(
            p.decide(
                "shop/other:80", Protocol.HTTP, ip("10.0.0.2"), RequestView.of("GET", "/", null)))
        .isInstanceOfSatisfying(
            AccessDecision.Deny.class,
            d -> assertThat(d.reason()).isEqualTo(AccessDecision.Reason.UNKNOWN_DESTINATION));
  }

  @Test
  void l4RulesAllowConnectionsAndHttpRulesNever() {
    AccessPolicy p = AccessPolicy.compile(config());
    assertThat(p.decide(DB, Protocol.TCP, ip("10.0.0.3"), null))
        .isEqualTo(new AccessDecision.Allow("shop/batch-to-db", "TCPRoute shop/db", null));
    assertThat(p.decide(DB, Protocol.TCP, ip("10.0.0.2"), null))
        .isInstanceOfSatisfying(
            AccessDecision.Deny.class,
            d ->
                assertThat(d.message())
                    .isEqualTo(
                        "no TrafficTarget allows sa default/web to connect to shop/db:5432 (tcp)"));
    assertThat(p.decide(API, Protocol.HTTP, ip("10.0.0.2"), null))
        .isInstanceOf(AccessDecision.Deny.class);
  }

  @Test
  void everyDestinationMustAllow() {
    AccessConfig c = config();
    ListenerAccess two =
        new ListenerAccess(API, List.of("shop/api", "shop/api-v2"), c.listeners().get(0).grants());
    AccessPolicy p = AccessPolicy.compile(new AccessConfig(true, c.identities(), List.of(two)));
    assertThat(http(p, "10.0.0.2", "GET", "/api", Map.of()))
        .isInstanceOfSatisfying(
            AccessDecision.Deny.class,
            d -> assertThat(d.message()).endsWith("(destination sa shop/api-v2)"));
  }

  @Test
  void offAllowsEverything() {
    AccessPolicy p = AccessPolicy.compile(AccessConfig.disabled());
    assertThat(p.decide(API, Protocol.TCP, ip("192.0.2.1"), null))
        .isSameAs(AccessDecision.Allow.OPEN);
  }

  @Test
  void ipv6IdentitiesCompareAsAddresses() {
    AccessPolicy p =
        AccessPolicy.compile(new AccessConfig(true, Map.of("fd00::2", "default/web"), List.of()));
    assertThat(p.identityOf(ip("fd00:0:0:0:0:0:0:2"))).isEqualTo("default/web");
    assertThatThrownBy(() -> AccessPolicy.ipLiteral("pod.example"))
        .hasMessageContaining("not an IP literal");
  }

  @Test
  void jsonRoundTripsAndOldJsonReadsAsOff() {
    MeshConfig c = new MeshConfig(3, "mesh", List.of(), config());
    assertThat(MeshConfigJson.read(MeshConfigJson.write(c))).isEqualTo(c);
    assertThat(MeshConfigJson.read("{\"version\":1,\"listeners\":[]}").access())
        .isEqualTo(AccessConfig.disabled());
  }
}
