package io.nodemesh.controller.access;

import static io.nodemesh.controller.access.AccessCompilerTest.assertAllowed;
import static io.nodemesh.controller.access.AccessCompilerTest.assertDenied;
import static io.nodemesh.controller.access.AccessCompilerTest.compile;
import static io.nodemesh.controller.access.AccessCompilerTest.decide;
import static io.nodemesh.controller.access.AccessCompilerTest.httpRule;
import static io.nodemesh.controller.access.AccessCompilerTest.pods;
import static io.nodemesh.controller.access.AccessCompilerTest.target;
import static io.nodemesh.controller.access.AccessCompilerTest.tcpRoute;
import static io.nodemesh.controller.access.AccessCompilerTest.tcpRule;
import static io.nodemesh.controller.access.AccessCompilerTest.webReads;
import static io.nodemesh.controller.access.AccessCompilerTest.withApiV2;
import static io.nodemesh.controller.access.AccessCompilerTest.world;
import static io.nodemesh.testkit.K8s.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.access.AccessDecision;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.compile.CompileResult;
import io.nodemesh.smi.HTTPMatch;
import io.nodemesh.smi.IdentityBindingSubject;
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.testkit.K8s;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SMI access semantics of issue 17: TCPRoute beside an HTTPRouteGroup, pod ports only. */
class SmiAccessSemanticsTest {

  /**
   * The SMI access spec's own example: a TCPRoute naming the port and an HTTPRouteGroup allowing
   * only {@code GET /metrics}, in one TrafficTarget. Prometheus may scrape, and nothing else.
   */
  @Test
  void aTcpRouteBesideAnHttpRouteGroupDoesNotOpenEveryRequest() {
    List<HasMetadata> w = world();
    w.add(pod("monitoring", "prometheus-0", "prometheus", "10.0.0.20"));
    w.add(tcpRoute("the-routes", 8080));
    w.add(
        K8s.group(
            "shop", "the-routes", new HTTPMatch("metrics", "/metrics", List.of("GET"), null)));
    w.add(
        target(
            "path-specific",
            "api",
            List.of("monitoring/prometheus"),
            tcpRule("the-routes"),
            httpRule("the-routes", "metrics")));
    MeshConfig c = compile(w).config();

    assertThat(decide(c, "shop/api:80", "10.0.0.20", "GET", "/metrics"))
        .isEqualTo(
            new AccessDecision.Allow(
                "shop/path-specific", "HTTPRouteGroup shop/the-routes", "the-routes/metrics"));
    assertDenied(c, "shop/api:80", "10.0.0.20", "GET", "/admin/users");
    assertDenied(c, "shop/api:80", "10.0.0.20", "DELETE", "/metrics");
  }

  /** Declared, not resolved: a missing group does not make the TCPRoute grant every request. */
  @Test
  void aTcpRouteBesideAMissingHttpRouteGroupStillDoesNotOpenHttp() {
    List<HasMetadata> w = world();
    w.add(tcpRoute("api-port", 8080));
    w.add(target("t", "api", List.of("default/default"), tcpRule("api-port"), httpRule("nope")));
    assertDenied(compile(w).config(), "shop/api:80", "10.0.0.3", "GET", "/");
  }

  /** SMI ports are pod ports: 5432 is db's Service port, its pods listen on 15432. */
  @Test
  void aServicePortInATcpRouteGrantsNothingAndIsReported() {
    List<HasMetadata> w = world();
    w.add(tcpRoute("svc-port", 5432));
    w.add(target("batch-to-db", "db", List.of("default/default"), tcpRule("svc-port")));
    CompileResult r = compile(w);

    assertDenied(r.config(), "shop/db:5432", "10.0.0.3", null, null);
    assertThat(r.problems())
        .filteredOn(p -> p.reason().equals(ProblemReason.SERVICE_PORT_IN_RULE))
        .extracting(Problem::toString)
        .containsExactly(
            "TrafficTarget shop/batch-to-db: spec.rules: port 5432 (rule TCPRoute shop/svc-port)"
                + " is the Service port of shop/db:5432, whose pods listen on [15432]; SMI ports"
                + " are pod ports, so it grants nothing there (ServicePortInRule)");
  }

  /**
   * A canary under a new service account that no TrafficTarget names: the caller is allowed, and
   * explain lists only the pods it may reach, as the proxy picks (AccessPerPodIT shows the proxy).
   */
  @Test
  void aCanaryUnderANewServiceAccountDoesNotDenyAndExplainListsTheAllowedPods() {
    List<HasMetadata> w = world();
    withApiV2(w);
    w.add(K8s.service("shop", "api-v1", "http:80"));
    w.add(K8s.slice("shop", "api-v1", "http", 8080, "10.0.0.10"));
    w.add(K8s.split("shop", "canary", "api", "api-v1", 90, "api-v2", 10));
    w.add(webReads("web-to-api", "api"));
    MeshConfig c = compile(w).config();

    Explanation e =
        Explainer.explain(
            c, pods(w), "default/web-1", "api.shop.mesh", "GET", "/api/x", java.util.Map.of());
    assertThat(e.allowed()).isTrue();
    assertThat(e.backends())
        .containsExactly(
            new Explanation.Backend("api-v1", 90, List.of("10.0.0.10:8080")),
            new Explanation.Backend("api-v2", 10, List.of()));
  }

  /** The same for {@code spec.destination.port}. */
  @Test
  void aServicePortAsDestinationPortGrantsNothingAndIsReported() {
    List<HasMetadata> w = world();
    TrafficTarget t = target("batch-to-db", "db", List.of("default/default"), tcpRule("pg"));
    t.getSpec().setDestination(new IdentityBindingSubject("ServiceAccount", "db", null, 5432));
    w.add(t);
    CompileResult r = compile(w);
    assertDenied(r.config(), "shop/db:5432", "10.0.0.3", null, null);
    assertThat(r.problems())
        .extracting(Problem::reason)
        .contains(ProblemReason.SERVICE_PORT_IN_RULE);

    t.getSpec().setDestination(new IdentityBindingSubject("ServiceAccount", "db", null, 15432));
    assertAllowed(compile(w).config(), "shop/db:5432", "10.0.0.3", null, null);
  }
}
