package io.nodemesh.controller.compile;

import static io.nodemesh.controller.compile.MeshCompilerTest.compile;
import static io.nodemesh.controller.compile.MeshCompilerTest.listener;
import static io.nodemesh.testkit.K8s.annotate;
import static io.nodemesh.testkit.K8s.endpoint;
import static io.nodemesh.testkit.K8s.group;
import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static io.nodemesh.testkit.K8s.split;
import static io.nodemesh.testkit.K8s.withMatches;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.smi.HTTPMatch;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficSplitMatch;
import io.nodemesh.smi.UDPRoute;
import io.nodemesh.testkit.SmiRoutes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** TrafficSplit matches on TCP and UDP, and backends that cannot serve (issue 17). */
class SmiSplitSemanticsTest {

  static TCPRoute tcpRoute(String name, Integer... ports) {
    return SmiRoutes.tcpRoute("db", name, ports);
  }

  static UDPRoute udpRoute(String name, Integer... ports) {
    return SmiRoutes.udpRoute("db", name, ports);
  }

  static TrafficSplit matching(TrafficSplit s, String kind, String name) {
    s.getSpec().setMatches(List.of(new TrafficSplitMatch(kind, name, "specs.smi-spec.io")));
    return s;
  }

  /** The A/B split db/ab of the service: all to its v2, for connections the route matches. */
  static TrafficSplit ab(String service, String kind, String route) {
    return matching(
        split("db", "ab", service, service + "-v1", 0, service + "-v2", 100), kind, route);
  }

  /** db/pg (TCP 5432 → 15432) and db/dns (UDP 53 → 1053), each with a v1 and a v2. */
  static List<Object> world() {
    return List.of(
        annotate(service("db", "pg", "pg:5432"), MeshCompiler.TRAFFIC_TYPE_ANNOTATION, "tcp"),
        service("db", "pg-v1", "pg:5432"),
        service("db", "pg-v2", "pg:5432"),
        slice("db", "pg", "pg", 15432, "10.0.0.1", "10.0.0.2"),
        slice("db", "pg-v1", "pg", 15432, "10.0.0.1"),
        slice("db", "pg-v2", "pg", 15432, "10.0.0.2"),
        service("db", "dns", "dns:53/UDP"),
        service("db", "dns-v1", "dns:53/UDP"),
        service("db", "dns-v2", "dns:53/UDP"),
        slice("db", "dns", "dns", 1053, "10.0.0.3", "10.0.0.4"),
        slice("db", "dns-v1", "dns", 1053, "10.0.0.3"),
        slice("db", "dns-v2", "dns", 1053, "10.0.0.4"));
  }

  /** Compiles the world with these objects, or lists of them, added. */
  static CompileResult compileWith(Object... more) {
    List<HasMetadata> all = new ArrayList<>();
    world().forEach(o -> all.add((HasMetadata) o));
    for (Object o : more) {
      if (o instanceof List<?> list) {
        list.forEach(x -> all.add((HasMetadata) x));
      } else {
        all.add((HasMetadata) o);
      }
    }
    return compile(all.toArray(HasMetadata[]::new));
  }

  /** The Services db/NAME on http:80. */
  static List<Service> httpServices(String... names) {
    return Stream.of(names).map(n -> service("db", n, "http:80")).toList();
  }

  /** The A/B split of the issue: 0/100 with an HTTPRouteGroup match, on a TCP Service. */
  @Test
  void anHttpRouteGroupMatchSelectsNoTcpConnectionSoAllGoToTheRoot() {
    CompileResult r =
        compileWith(
            group("db", "beta", new HTTPMatch("b", "/", null, null)),
            withMatches(split("db", "ab", "pg", "pg-v1", 0, "pg-v2", 100), "beta"));
    RouteConfig route = listener(r, "db", "pg", 5432).route();
    assertThat(route.split()).isEmpty();
    assertThat(route.root().service()).isEqualTo("pg");
    assertThat(route.splitName()).isEqualTo("db/ab");
  }

  @Test
  void aTcpRouteMatchOnThePodPortSplitsEveryConnection() {
    CompileResult r = compileWith(tcpRoute("pg-port", 15432), ab("pg", "TCPRoute", "pg-port"));
    RouteConfig route = listener(r, "db", "pg", 5432).route();
    assertThat(route.split()).extracting(BackendConfig::service).containsExactly("pg-v1", "pg-v2");
    assertThat(route.matches()).isEmpty();
    assertThat(r.problems()).isEmpty();
  }

  @Test
  void aTcpRouteMatchOnAnotherPortLeavesTheConnectionsToTheRoot() {
    CompileResult r = compileWith(tcpRoute("other", 5432), ab("pg", "TCPRoute", "other"));
    assertThat(listener(r, "db", "pg", 5432).route().split()).isEmpty();
  }

  @Test
  void aUdpRouteMatchSplitsDatagramsButATcpRouteDoesNot() {
    CompileResult udp = compileWith(udpRoute("dns-port", 1053), ab("dns", "UDPRoute", "dns-port"));
    assertThat(listener(udp, "db", "dns", 53).route().split()).hasSize(2);
    CompileResult tcp = compileWith(tcpRoute("dns-port", 1053), ab("dns", "TCPRoute", "dns-port"));
    assertThat(listener(tcp, "db", "dns", 53).route().split()).isEmpty();
  }

  @Test
  void aMissingTcpRouteSkipsTheSplit() {
    CompileResult r = compileWith(ab("pg", "TCPRoute", "nope"));
    assertThat(listener(r, "db", "pg", 5432).route().splitName()).isNull();
    assertThat(r.problems())
        .extracting(Problem::toString)
        .contains(
            "TrafficSplit db/ab: spec.matches[0].name: TCPRoute 'nope' not found in namespace"
                + " 'db'; split skipped (RouteGroupNotFound)");
  }

  /** On an HTTP Service, a TCPRoute on its pod port selects every request. */
  @Test
  void aTcpRouteMatchOnAnHttpServiceSplitsEveryRequest() {
    CompileResult r =
        compileWith(
            httpServices("web", "web-v2"),
            slice("db", "web", "http", 8080, "10.0.0.5"),
            tcpRoute("web-port", 8080),
            matching(split("db", "ab", "web", "web-v2", 1), "TCPRoute", "web-port"));
    ListenerConfig l = listener(r, "db", "web", 80);
    assertThat(l.route().split()).hasSize(1);
    assertThat(l.route().matches()).isEmpty();
  }

  @Test
  void aWeightedBackendWithoutAReadyEndpointIsReported() {
    CompileResult r =
        compileWith(
            httpServices("web", "web-v1", "web-v2"),
            slice("db", "web-v1", "http", 8080, "10.0.0.5"),
            slice("db", "web-v2-x", "web-v2", "http", 8080, List.of(endpoint("10.0.0.6", false))),
            split("db", "canary", "web", "web-v1", 90, "web-v2", 10));
    assertThat(listener(r, "db", "web", 80).route().split()).hasSize(2);
    assertThat(r.problems())
        .extracting(Problem::toString)
        .containsExactly(
            "TrafficSplit db/canary: spec.backends[1].service: Service 'web-v2' has no ready"
                + " endpoint for port 80; its weight goes to the other backends until it has one"
                + " (BackendUnavailable)");
  }
}
