package io.nodemesh.controller.access;

import static io.nodemesh.testkit.K8s.pod;
import static io.nodemesh.testkit.K8s.terminating;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.access.AccessDecision;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.config.access.RequestView;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.compile.CompileResult;
import io.nodemesh.controller.compile.CompileSettings;
import io.nodemesh.controller.compile.MeshCompiler;
import io.nodemesh.controller.compile.PortAllocation;
import io.nodemesh.controller.compile.TestSettings;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.smi.HTTPMatch;
import io.nodemesh.smi.IdentityBindingSubject;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.smi.TrafficTargetRule;
import io.nodemesh.smi.TrafficTargetSpec;
import io.nodemesh.testkit.GatewayApi;
import io.nodemesh.testkit.K8s;
import io.nodemesh.testkit.SmiRoutes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class AccessCompilerTest {
  private static final CompileSettings ACL = TestSettings.settings(true);

  /** A TrafficTarget rule on an HTTPRouteGroup, for these of its matches (none: all of them). */
  static TrafficTargetRule httpRule(String group, String... matches) {
    return new TrafficTargetRule(
        "HTTPRouteGroup", group, matches.length == 0 ? null : List.of(matches));
  }

  /** A TrafficTarget rule on a TCPRoute. */
  static TrafficTargetRule tcpRule(String route) {
    return new TrafficTargetRule("TCPRoute", route, null);
  }

  /** Lets sa default/web GET /api (api-routes/read) on the pods of sa shop/{destSa}. */
  static TrafficTarget webReads(String name, String destSa) {
    return target(name, destSa, List.of("default/web"), httpRule("api-routes", "read"));
  }

  /** Adds pod shop/api-v2-1 (sa api-v2, 10.0.0.11) with its Service shop/api-v2 on http:80. */
  static List<HasMetadata> withApiV2(List<HasMetadata> w) {
    w.add(pod("shop", "api-v2-1", "api-v2", "10.0.0.11"));
    w.add(K8s.service("shop", "api-v2", "http:80"));
    w.add(K8s.slice("shop", "api-v2", "http", 8080, "10.0.0.11"));
    return w;
  }

  /** The pods among the objects, by namespace and name, as {@code explain} looks them up. */
  static BiFunction<String, String, Pod> pods(List<HasMetadata> objects) {
    return (ns, name) ->
        objects.stream()
            .filter(o -> o instanceof Pod)
            .map(o -> (Pod) o)
            .filter(
                p ->
                    p.getMetadata().getNamespace().equals(ns)
                        && p.getMetadata().getName().equals(name))
            .findFirst()
            .orElse(null);
  }

  static TrafficTarget target(
      String name, String destSa, List<String> sources, TrafficTargetRule... rules) {
    TrafficTarget t = new TrafficTarget();
    t.getMetadata().setNamespace("shop");
    t.getMetadata().setName(name);
    List<IdentityBindingSubject> src = new ArrayList<>();
    for (String s : sources) {
      String[] p = s.split("/");
      src.add(new IdentityBindingSubject("ServiceAccount", p[1], p[0], null));
    }
    t.setSpec(
        new TrafficTargetSpec(
            new IdentityBindingSubject("ServiceAccount", destSa, null, null), List.of(rules), src));
    return t;
  }

  static TCPRoute tcpRoute(String name, Integer... ports) {
    return SmiRoutes.tcpRoute("shop", name, ports);
  }

  /**
   * shop/api (HTTP 80 → 10.0.0.10:8080, sa api), shop/db (TCP 5432 and 6379 → 10.0.0.12, sa db).
   */
  static List<HasMetadata> world() {
    List<HasMetadata> w = new ArrayList<>();
    w.add(pod("default", "web-1", "web", "10.0.0.2"));
    w.add(pod("default", "batch-1", "", "10.0.0.3"));
    w.add(pod("shop", "api-1", "api", "10.0.0.10"));
    w.add(pod("shop", "db-1", "db", "10.0.0.12"));
    w.add(K8s.service("shop", "api", "http:80"));
    w.add(K8s.slice("shop", "api", "http", 8080, "10.0.0.10"));
    w.add(
        K8s.annotate(
            K8s.service("shop", "db", "pg:5432", "redis:6379"),
            MeshCompiler.TRAFFIC_TYPE_ANNOTATION,
            "tcp"));
    w.add(K8s.slice("shop", "db", "pg", 15432, "10.0.0.12"));
    w.add(
        K8s.slice("shop", "db-r", "db", "redis", 16379, List.of(K8s.endpoint("10.0.0.12", true))));
    w.add(
        K8s.group(
            "shop",
            "api-routes",
            new HTTPMatch("read", "/api", List.of("GET"), null),
            new HTTPMatch("write", "/api", List.of("POST"), null)));
    w.add(tcpRoute("pg", 15432));
    return w;
  }

  static CompileResult compile(List<HasMetadata> objects) {
    return compile(objects, ACL.defaultTrafficType());
  }

  /** As {@link #compile(List)}, undeclared ports getting {@code type} (null: the shipped one). */
  static CompileResult compile(List<HasMetadata> objects, Protocol type) {
    Topology t = Topology.from(SourceSnapshot.of(objects), List.of());
    CompileSettings s =
        new CompileSettings(ACL.meshNamespace(), ACL.meshDomain(), ACL.ranges(), true, type);
    return new MeshCompiler(s).compile(t, PortAllocation.empty(), null, 1);
  }

  static AccessDecision decide(
      MeshConfig c, String listener, String ip, String method, String path) {
    Protocol p =
        c.listeners().stream()
            .filter(l -> l.key().equals(listener))
            .findFirst()
            .orElseThrow()
            .protocol();
    return AccessPolicy.compile(c.access())
        .decide(
            listener,
            p,
            AccessPolicy.ipLiteral(ip),
            p == Protocol.HTTP ? RequestView.of(method, path, null) : null);
  }

  static void assertDenied(MeshConfig c, String listener, String ip, String method, String path) {
    assertThat(decide(c, listener, ip, method, path)).isInstanceOf(AccessDecision.Deny.class);
  }

  static void assertAllowed(MeshConfig c, String listener, String ip, String method, String path) {
    assertThat(decide(c, listener, ip, method, path)).isInstanceOf(AccessDecision.Allow.class);
  }

  /** An HTTPRoute shop/api on the Service shop/api with these rules (YAML, at column 0). */
  static HasMetadata apiRoute(String rules) {
    return GatewayApi.read(
        GatewayApi.httpRoute("shop", "api", GatewayApi.serviceParent("api"), rules));
  }

  @Test
  void identitiesComeFromLivePodsWithDefaultServiceAccount() {
    CompileResult r = compile(world());
    assertThat(r.config().access().enabled()).isTrue();
    assertThat(r.config().access().identities())
        .containsEntry("10.0.0.2", "default/web")
        .containsEntry("10.0.0.3", "default/default")
        .containsEntry("10.0.0.10", "shop/api");
  }

  @Test
  void terminatingFinishedHostNetworkAndAmbiguousPodsAreNoIdentity() {
    List<HasMetadata> w = new ArrayList<>();
    // The old pod is terminating while its IP is already reported by the new one: the new wins.
    w.add(terminating(pod("default", "old", "trusted", "10.0.0.5")));
    w.add(pod("default", "new", "other", "10.0.0.5"));
    w.add(terminating(pod("default", "leaving", "trusted", "10.0.0.6")));
    w.add(
        new PodBuilder(pod("default", "done", "trusted", "10.0.0.7"))
            .editStatus()
            .withPhase("Succeeded")
            .endStatus()
            .build());
    w.add(
        new PodBuilder(pod("kube-system", "agent", "trusted", "10.0.0.8"))
            .editSpec()
            .withHostNetwork(true)
            .endSpec()
            .build());
    w.add(pod("default", "twin-a", "a", "10.0.0.9"));
    w.add(pod("default", "twin-b", "b", "10.0.0.9"));
    assertThat(compile(w).config().access().identities())
        .containsExactly(Map.entry("10.0.0.5", "default/other"));
  }

  @Test
  void rulesSelectMatchesAndTheRestIsDenied() {
    List<HasMetadata> w = world();
    w.add(webReads("web-to-api", "api"));
    MeshConfig c = compile(w).config();
    assertThat(decide(c, "shop/api:80", "10.0.0.2", "GET", "/api/x"))
        .isEqualTo(
            new AccessDecision.Allow(
                "shop/web-to-api", "HTTPRouteGroup shop/api-routes", "api-routes/read"));
    assertDenied(c, "shop/api:80", "10.0.0.2", "POST", "/api/x");
    assertDenied(c, "shop/api:80", "10.0.0.3", "GET", "/api/x");
    // The HTTP rule grants nothing on the TCP listeners of another service account.
    assertDenied(c, "shop/db:5432", "10.0.0.2", null, null);
  }

  @Test
  void tcpRoutePortsMatchPodPortsAndAlsoOpenHttp() {
    List<HasMetadata> w = world();
    w.add(target("batch-to-db", "db", List.of("default/default"), tcpRule("pg")));
    w.add(tcpRoute("api-pod-port", 8080));
    w.add(target("batch-to-api", "api", List.of("default/default"), tcpRule("api-pod-port")));
    MeshConfig c = compile(w).config();
    assertAllowed(c, "shop/db:5432", "10.0.0.3", null, null);
    assertDenied(c, "shop/db:6379", "10.0.0.3", null, null);
    // 8080 is api's pod port: a TCPRoute on it allows every request on the HTTP listener.
    assertThat(decide(c, "shop/api:80", "10.0.0.3", "DELETE", "/anything"))
        .isEqualTo(
            new AccessDecision.Allow("shop/batch-to-api", "TCPRoute shop/api-pod-port", null));
  }

  @Test
  void aTrafficTargetWithoutRulesAllowsNothingAndIsReported() {
    List<HasMetadata> w = world();
    w.add(target("no-rules", "api", List.of("default/web")));
    CompileResult r = compile(w);
    assertThat(r.config().access().listeners())
        .filteredOn(l -> l.listener().equals("shop/api:80"))
        .singleElement()
        .extracting(ListenerAccess::grants)
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
        .isEmpty();
    assertDenied(r.config(), "shop/api:80", "10.0.0.2", "GET", "/api");
    assertThat(r.problems())
        .map(Problem::toString)
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("TrafficTarget shop/no-rules: spec.rules:")
                    .contains("allows nothing"));
  }

  @Test
  void aTrafficTargetWithoutSourcesOrDestinationAllowsNothingAndIsReported() {
    List<HasMetadata> w = world();
    w.add(target("no-sources", "api", List.of(), httpRule("api-routes")));
    TrafficTarget noDest =
        target("no-destination", "api", List.of("default/web"), httpRule("api-routes"));
    noDest.getSpec().setDestination(null);
    w.add(noDest);
    CompileResult r = compile(w);
    assertThat(r.config().access().listeners()).flatMap(ListenerAccess::grants).isEmpty();
    assertDenied(r.config(), "shop/api:80", "10.0.0.2", "GET", "/api");
    assertThat(r.problems())
        .map(Problem::toString)
        .anySatisfy(p -> assertThat(p).startsWith("TrafficTarget shop/no-sources: spec.sources:"))
        .anySatisfy(
            p -> assertThat(p).startsWith("TrafficTarget shop/no-destination: spec.destination:"));
  }

  @Test
  void missingRoutesAndMatchesAreReportedAndGrantNothing() {
    List<HasMetadata> w = world();
    w.add(
        target(
            "typos",
            "api",
            List.of("default/web"),
            httpRule("api-routes", "raed"),
            tcpRule("nope")));
    CompileResult r = compile(w);
    assertThat(r.problems())
        .map(Problem::reason)
        .contains(ProblemReason.MATCH_NOT_FOUND, ProblemReason.ROUTE_NOT_FOUND);
    assertThat(r.config().access().listeners()).flatMap(ListenerAccess::grants).isEmpty();
  }

  @Test
  void aNewTrafficTargetChangesTheVersionAndOffCompilesNoAccess() {
    List<HasMetadata> w = world();
    CompileResult before = compile(w);
    w.add(target("web-to-api", "api", List.of("default/web"), httpRule("api-routes")));
    Topology t = Topology.from(SourceSnapshot.of(w), List.of());
    CompileResult after = new MeshCompiler(ACL).compile(t, before.allocation(), before.config(), 1);
    assertThat(after.config().version()).isGreaterThan(before.config().version());
    assertThat(after.config().access().listeners())
        .flatMap(ListenerAccess::grants)
        .extracting(AccessGrant::trafficTarget)
        .containsOnly("shop/web-to-api");
    CompileSettings off = new CompileSettings(ACL.meshNamespace(), ACL.meshDomain(), ACL.ranges());
    assertThat(
            new MeshCompiler(off)
                .compile(t, PortAllocation.empty(), null, 1)
                .config()
                .access()
                .enabled())
        .isFalse();
  }
}
