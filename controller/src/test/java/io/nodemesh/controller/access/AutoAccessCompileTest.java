package io.nodemesh.controller.access;

import static io.nodemesh.controller.access.AccessCompilerTest.compile;
import static io.nodemesh.controller.access.AccessCompilerTest.target;
import static io.nodemesh.controller.access.AccessCompilerTest.tcpRoute;
import static io.nodemesh.controller.access.AccessCompilerTest.world;
import static io.nodemesh.testkit.K8s.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.access.AccessDecision;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.config.access.RequestView;
import io.nodemesh.smi.TrafficTargetRule;
import io.nodemesh.testkit.K8s;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A port that declares nothing is {@code auto} (the shipped default), and a connection on it that
 * the proxy relays as TCP is judged with no request: only a grant without HTTP restriction admits
 * it (docs/protocols.md, "Detection and access control"). AutoAccessIT makes the same attacks on
 * the proxy.
 */
class AutoAccessCompileTest {
  private static final String APP = "shop/app:80";
  private static final String WEB = "10.0.0.2";
  private static final String BATCH = "10.0.0.3";
  private static final String PROMETHEUS = "10.0.0.20";
  private static AccessPolicy policy;

  @BeforeAll
  static void compileTheWorld() {
    List<HasMetadata> w = world();
    w.add(pod("monitoring", "prometheus-0", "prometheus", PROMETHEUS));
    w.add(K8s.service("shop", "app", "web:80"));
    w.add(K8s.slice("shop", "app", "web", 8080, "10.0.0.10"));
    w.add(tcpRoute("app-port", 8080));
    TrafficTargetRule reads =
        new TrafficTargetRule("HTTPRouteGroup", "api-routes", List.of("read"));
    TrafficTargetRule port = new TrafficTargetRule("TCPRoute", "app-port", null);
    w.add(target("web-reads", "api", List.of("default/web"), reads));
    w.add(target("batch-all", "api", List.of("default/default"), port));
    // The SMI spec's example: the TCPRoute picks the port, the group the requests.
    w.add(target("scrape", "api", List.of("monitoring/prometheus"), port, reads));
    MeshConfig c = compile(w, null).config();
    assertThat(c.listeners())
        .filteredOn(l -> l.key().equals(APP))
        .singleElement()
        .extracting(l -> l.protocol())
        .isEqualTo(Protocol.AUTO);
    policy = AccessPolicy.compile(c.access());
  }

  private static AccessDecision relayed(String ip) {
    return policy.admit(APP, Protocol.AUTO, AccessPolicy.ipLiteral(ip), null).decision();
  }

  private static AccessDecision request(String ip, String method, String path) {
    return policy
        .admit(APP, Protocol.AUTO, AccessPolicy.ipLiteral(ip), RequestView.of(method, path, null))
        .decision();
  }

  @Test
  void aCallerLimitedToSomeRequestsIsNotRelayed() {
    assertThat(request(WEB, "GET", "/api/items")).isInstanceOf(AccessDecision.Allow.class);
    assertThat(request(WEB, "DELETE", "/api/items")).isInstanceOf(AccessDecision.Deny.class);
    assertThat(relayed(WEB))
        .isEqualTo(
            new AccessDecision.Deny(
                "default/web",
                AccessDecision.Reason.NOT_ALLOWED,
                "no TrafficTarget allows sa default/web to connect to shop/app:80 (auto)"));
  }

  @Test
  void aTcpRouteBesideAnHttpRouteGroupAdmitsItsRequestsButNoRelay() {
    assertThat(request(PROMETHEUS, "GET", "/api/metrics")).isInstanceOf(AccessDecision.Allow.class);
    assertThat(request(PROMETHEUS, "POST", "/api/metrics")).isInstanceOf(AccessDecision.Deny.class);
    assertThat(relayed(PROMETHEUS)).isInstanceOf(AccessDecision.Deny.class);
  }

  @Test
  void aTcpRouteAloneAdmitsTheRelayAndEveryRequest() {
    assertThat(relayed(BATCH))
        .isEqualTo(new AccessDecision.Allow("shop/batch-all", "TCPRoute shop/app-port", null));
    assertThat(request(BATCH, "DELETE", "/admin")).isInstanceOf(AccessDecision.Allow.class);
  }
}
