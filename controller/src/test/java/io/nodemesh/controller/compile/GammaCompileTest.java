package io.nodemesh.controller.compile;

import static io.nodemesh.controller.compile.MeshCompilerTest.NOW;
import static io.nodemesh.controller.compile.MeshCompilerTest.SETTINGS;
import static io.nodemesh.controller.compile.MeshCompilerTest.listener;
import static io.nodemesh.controller.testing.K8s.service;
import static io.nodemesh.controller.testing.K8s.slice;
import static io.nodemesh.controller.testing.K8s.split;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.access.HttpMatcher;
import io.nodemesh.config.access.RequestView;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.gamma.RouteStatus;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.smi.SmiKinds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * GAMMA HTTPRoutes and GRPCRoutes compiled into listeners, with their status conditions, their
 * precedence over TrafficSplits and between rules, and hostile or unsupported fields (issue 17).
 */
class GammaCompileTest {

  record Compiled(CompileResult result, List<RouteStatus> statuses) {
    ListenerConfig web() {
      return listener(result, "default", "web", 80);
    }

    RouteStatus.Parent parent(String route) {
      return statuses.stream()
          .filter(s -> s.route().name().equals(route))
          .findFirst()
          .orElseThrow()
          .parents()
          .get(0);
    }

    List<Problem> problems(String kind, String name) {
      return result.problems().stream()
          .filter(p -> p.kind().equals(kind) && p.name().equals(name))
          .toList();
    }
  }

  static HasMetadata yaml(String text) {
    return (HasMetadata) SmiKinds.unmarshal(SmiKinds.newSerialization(), text);
  }

  /** default/web:80 with web-v1 and web-v2 behind it, each with one ready pod. */
  static List<HasMetadata> world() {
    return List.of(
        service("default", "web", "http:80"),
        service("default", "web-v1", "http:80"),
        service("default", "web-v2", "http:80"),
        slice("default", "web", "http", 8080, "10.0.0.1"),
        slice("default", "web-v1", "http", 8080, "10.0.1.1"),
        slice("default", "web-v2", "http", 8080, "10.0.2.1"));
  }

  static Compiled compile(HasMetadata... extra) {
    List<HasMetadata> all = new ArrayList<>(world());
    all.addAll(List.of(extra));
    Topology t = Topology.from(SourceSnapshot.of(all), List.of());
    CompileMemo memo = CompileMemo.create();
    CompileResult r = MeshCompiler.compile(t, SETTINGS, PortAllocation.empty(), null, NOW, memo);
    return new Compiled(r, memo.routeStatuses());
  }

  static String route(String name, String rules) {
    return route(name, "    - name: web\n      kind: Service\n      group: \"\"\n", rules);
  }

  static String route(String name, String parents, String rules) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: %s
          namespace: default
          generation: 3
        spec:
          parentRefs:
        %s  rules:
        %s"""
        .formatted(name, parents, rules.indent(4));
  }

  static final String CANARY_RULE =
      """
      - backendRefs:
        - name: web-v1
          port: 80
          weight: 90
        - name: web-v2
          port: 80
          weight: 10
      """;

  static boolean matches(
      ListenerConfig l, String method, String path, Map<String, List<String>> h) {
    RequestView v = RequestView.of(method, path, h);
    return l.route().matches().stream().anyMatch(m -> new HttpMatcher(m).matches(v));
  }

  @Test
  void backendRefWeightsBecomeTheSplitAndTheRouteIsAccepted() {
    Compiled c = compile(yaml(route("canary", CANARY_RULE)));

    ListenerConfig l = c.web();
    assertThat(l.route().split())
        .extracting(BackendConfig::service, BackendConfig::weight)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("web-v1", 90),
            org.assertj.core.groups.Tuple.tuple("web-v2", 10));
    assertThat(l.route().split().get(1).endpoints())
        .extracting(e -> e.ip())
        .containsExactly("10.0.2.1");
    assertThat(l.route().matches()).isEmpty();
    assertThat(l.route().splitName()).isEqualTo("HTTPRoute default/canary");
    RouteStatus.Parent p = c.parent("canary");
    assertThat(p.condition("Accepted").status()).isTrue();
    assertThat(p.condition("Accepted").reason()).isEqualTo("Accepted");
    assertThat(p.condition("ResolvedRefs").status()).isTrue();
    assertThat(c.problems("HTTPRoute", "canary")).isEmpty();
  }

  @Test
  void pathHeaderAndMethodMatchesSelectWhatTheSpecSays() {
    Compiled c =
        compile(
            yaml(
                route(
                    "m",
                    """
                    - matches:
                      - path: {type: Exact, value: /exact}
                      - path: {type: PathPrefix, value: /api/}
                        method: POST
                      - path: {type: RegularExpression, value: "/v[0-9]+/items"}
                      - headers:
                        - {name: X-Canary, value: "yes"}
                        - {name: x-user, type: RegularExpression, value: "a.*"}
                      backendRefs:
                      - {name: web-v2, port: 80}
                    """)));
    ListenerConfig l = c.web();
    assertThat(l.route().matches()).hasSize(4);
    Map<String, List<String>> none = Map.of();
    assertThat(matches(l, "GET", "/exact", none)).isTrue();
    assertThat(matches(l, "GET", "/exact/more", none)).isFalse();
    assertThat(matches(l, "GET", "/exact?q=1", none)).isTrue();
    assertThat(matches(l, "POST", "/api", none)).isTrue();
    assertThat(matches(l, "POST", "/api/x", none)).isTrue();
    assertThat(matches(l, "POST", "/apix", none)).isFalse();
    assertThat(matches(l, "GET", "/api/x", none)).isFalse();
    assertThat(matches(l, "GET", "/v12/items", none)).isTrue();
    assertThat(matches(l, "GET", "/v12/items/7", none)).isFalse();
    assertThat(matches(l, "GET", "/", Map.of("x-canary", List.of("yes"), "X-User", List.of("ann"))))
        .isTrue();
    assertThat(
            matches(l, "GET", "/", Map.of("x-canary", List.of("yess"), "X-User", List.of("ann"))))
        .isFalse();
    assertThat(matches(l, "GET", "/", Map.of("x-canary", List.of("yes")))).isFalse();
    assertThat(c.parent("m").condition("Accepted").status()).isTrue();
  }

  @Test
  void aMissingBackendIsResolvedRefsFalseAndTheOthersStillServe() {
    Compiled c =
        compile(
            yaml(
                route(
                    "gone",
                    """
                    - backendRefs:
                      - {name: web-v1, port: 80, weight: 1}
                      - {name: nowhere, port: 80, weight: 1}
                    """)));
    assertThat(c.web().route().split())
        .extracting(BackendConfig::service)
        .containsExactly("web-v1");
    RouteStatus.Parent p = c.parent("gone");
    assertThat(p.condition("ResolvedRefs").status()).isFalse();
    assertThat(p.condition("ResolvedRefs").reason()).isEqualTo("BackendNotFound");
    assertThat(p.condition("Accepted").status()).isTrue();
    assertThat(c.problems("HTTPRoute", "gone"))
        .extracting(Problem::field)
        .containsExactly("spec.rules[0].backendRefs[1].name");
  }

  @Test
  void aBackendInAnotherNamespaceIsRefNotPermitted() {
    Compiled c =
        compile(
            yaml(
                route(
                    "x",
                    """
                    - backendRefs:
                      - {name: web-v1, namespace: other, port: 80}
                    """)));
    assertThat(c.parent("x").condition("ResolvedRefs").reason()).isEqualTo("RefNotPermitted");
    assertThat(c.parent("x").condition("Accepted").status()).isFalse();
    assertThat(c.web().route().split()).isEmpty();
  }

  @Test
  void anHttpRouteWinsOverATrafficSplitOnTheSameService() {
    Compiled c =
        compile(yaml(route("canary", CANARY_RULE)), split("default", "old", "web", "web-v1", 100));
    assertThat(c.web().route().split())
        .extracting(BackendConfig::service)
        .containsExactly("web-v1", "web-v2");
    assertThat(c.web().route().splitName()).isEqualTo("HTTPRoute default/canary");
    assertThat(c.problems("TrafficSplit", "old"))
        .extracting(Problem::reason)
        .containsExactly("OverriddenByRoute");
  }

  @Test
  void theMoreSpecificRuleWinsAndTheOtherIsPartiallyInvalid() {
    HasMetadata broad =
        yaml(
            route(
                "broad",
                """
                - matches:
                  - path: {type: PathPrefix, value: /}
                  backendRefs:
                  - {name: web-v1, port: 80}
                """));
    HasMetadata exact =
        yaml(
            route(
                "exact",
                """
                - matches:
                  - path: {type: Exact, value: /pay}
                  backendRefs:
                  - {name: web-v2, port: 80}
                """));
    Compiled c = compile(broad, exact);
    assertThat(c.web().route().split())
        .extracting(BackendConfig::service)
        .containsExactly("web-v2");
    assertThat(c.parent("exact").condition("Accepted").status()).isTrue();
    assertThat(c.parent("broad").condition("Accepted").status()).isFalse();
    assertThat(c.parent("broad").condition("Accepted").reason()).isEqualTo("UnsupportedValue");
    assertThat(c.problems("HTTPRoute", "broad")).hasSize(1);
  }

  @Test
  void unsupportedFiltersAndQueryParamsAreRefusedWithUnsupportedValue() {
    Compiled c =
        compile(
            yaml(
                route(
                    "f",
                    """
                    - filters:
                      - type: RequestHeaderModifier
                        requestHeaderModifier:
                          set: [{name: x-a, value: b}]
                      backendRefs:
                      - {name: web-v2, port: 80}
                    - matches:
                      - queryParams: [{name: a, value: b}]
                      backendRefs:
                      - {name: web-v2, port: 80}
                    """)));
    assertThat(c.web().route().split()).isEmpty();
    RouteStatus.Parent p = c.parent("f");
    assertThat(p.condition("Accepted").status()).isFalse();
    assertThat(p.condition("Accepted").reason()).isEqualTo("UnsupportedValue");
    assertThat(c.problems("HTTPRoute", "f"))
        .extracting(Problem::field)
        .containsExactly("spec.rules[0].filters", "spec.rules[1].matches[0].queryParams");
  }

  @Test
  void aHostileRegexIsReportedAndTheOtherRoutesStillWork() {
    HasMetadata bad =
        yaml(
            route(
                "bad",
                """
                - matches:
                  - path: {type: RegularExpression, value: "((a{100}){100}){100}"}
                  backendRefs:
                  - {name: web-v1, port: 80}
                """));
    HasMetadata good =
        yaml(
            route(
                "good",
                """
                - matches:
                  - path: {type: PathPrefix, value: /ok}
                  backendRefs:
                  - {name: web-v2, port: 80}
                """));
    Compiled c = compile(bad, good);
    assertThat(c.web().route().split())
        .extracting(BackendConfig::service)
        .containsExactly("web-v2");
    assertThat(c.problems("HTTPRoute", "bad"))
        .singleElement()
        .satisfies(p -> assertThat(p.field()).isEqualTo("spec.rules[0].matches[0].path"));
    assertThat(c.parent("bad").condition("Accepted").status()).isFalse();
  }

  @Test
  void sectionNameAndPortPickTheServicePort() {
    Compiled c =
        compile(
            yaml(
                route(
                    "s",
                    "    - {name: web, kind: Service, group: \"\", sectionName: grpc}\n",
                    CANARY_RULE)));
    assertThat(c.web().route().split()).isEmpty();
    assertThat(c.parent("s").condition("Accepted").reason()).isEqualTo("NoMatchingParent");
    Compiled d =
        compile(
            yaml(
                route(
                    "s",
                    "    - {name: web, kind: Service, group: \"\", sectionName: http, port: 80}\n",
                    CANARY_RULE)));
    assertThat(d.web().route().split()).hasSize(2);
    assertThat(d.parent("s").condition("Accepted").status()).isTrue();
  }

  @Test
  void timeoutsAndRetriesOfAMatchAllRuleBecomeTheListenersPolicy() {
    Compiled c =
        compile(
            yaml(
                route(
                    "t",
                    """
                    - timeouts: {request: 2s, backendRequest: 500ms}
                      retry: {attempts: 3, backoff: 100ms}
                      backendRefs:
                      - {name: web-v2, port: 80}
                    """)));
    ListenerConfig l = c.web();
    assertThat(l.policy().timeouts().requestMillis()).isEqualTo(2000);
    assertThat(l.policy().retry().perTryMillis()).isEqualTo(500);
    assertThat(l.policy().retry().attempts()).isEqualTo(3);
    assertThat(l.policy().retry().backoffBaseMillis()).isEqualTo(100);
  }

  @Test
  void aGrpcRouteMatchesServiceAndMethodPaths() {
    HasMetadata g =
        yaml(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: g, namespace: default}
            spec:
              parentRefs:
              - {name: web, kind: Service, group: ""}
              rules:
              - matches:
                - method: {service: shop.Cart, method: Add}
                backendRefs:
                - {name: web-v2, port: 80}
            """);
    Compiled c = compile(g);
    ListenerConfig l = c.web();
    assertThat(l.route().matches()).extracting(HttpMatch::pathRegex).hasSize(1);
    assertThat(matches(l, "POST", "/shop.Cart/Add", Map.of())).isTrue();
    assertThat(matches(l, "POST", "/shopXCart/Add", Map.of())).isFalse();
    assertThat(matches(l, "POST", "/shop.Cart/Remove", Map.of())).isFalse();
    assertThat(c.parent("g").condition("Accepted").status()).isTrue();
  }

  @Test
  void aRouteAttachedOnlyToAGatewayIsLeftAlone() {
    Compiled c =
        compile(
            yaml(
                route(
                    "gw",
                    "    - {name: edge, kind: Gateway, group: gateway.networking.k8s.io}\n",
                    CANARY_RULE)));
    assertThat(c.web().route().split()).isEmpty();
    assertThat(c.statuses()).isEmpty();
  }
}
