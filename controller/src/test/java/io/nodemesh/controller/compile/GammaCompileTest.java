package io.nodemesh.controller.compile;

import static io.nodemesh.controller.compile.MeshCompilerTest.NOW;
import static io.nodemesh.controller.compile.MeshCompilerTest.SETTINGS;
import static io.nodemesh.controller.compile.MeshCompilerTest.listener;
import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static io.nodemesh.testkit.K8s.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.RouteRule.PathMatch;
import io.nodemesh.config.RouteRule.ValueMatch;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.gamma.RouteStatus;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.testkit.GatewayApi;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * GAMMA HTTPRoutes and GRPCRoutes compiled into listener rules, with their status conditions, their
 * precedence over TrafficSplits and between rules, and hostile or unsupported fields (issue 17).
 * What the proxy does with the rules is tested with the proxy (node-proxy, routefilters).
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

    boolean accepted(String route) {
      return parent(route).condition("Accepted").status();
    }

    /** Field and Event reason of each problem of the object, in order. */
    List<Tuple> fieldsAndReasons(String kind, String name) {
      return problems(kind, name).stream()
          .map(p -> tuple(p.field(), p.reason().eventReason()))
          .toList();
    }

    List<Problem> problems(String kind, String name) {
      return result.problems().stream()
          .filter(p -> p.kind().equals(kind) && p.name().equals(name))
          .toList();
    }
  }

  /** The parent's condition of this type has this status and reason. */
  static void assertCondition(
      RouteStatus.Parent parent, String type, boolean status, String reason) {
    assertThat(parent.condition(type).status()).as(type).isEqualTo(status);
    assertThat(parent.condition(type).reason()).as(type).isEqualTo(reason);
  }

  static HasMetadata yaml(String text) {
    return GatewayApi.read(text);
  }

  /** default/web:80 with web-v1, web-v2 and a shadow service behind it, each with one pod. */
  static List<HasMetadata> world() {
    List<HasMetadata> world = new ArrayList<>();
    String[] names = {"web", "web-v1", "web-v2", "shadow"};
    for (int i = 0; i < names.length; i++) {
      world.add(service("default", names[i], "http:80"));
      world.add(slice("default", names[i], "http", 8080, "10.0." + i + ".1"));
    }
    return world;
  }

  static Compiled compile(HasMetadata... extra) {
    List<HasMetadata> all = new ArrayList<>(world());
    all.addAll(List.of(extra));
    Topology t = Topology.from(SourceSnapshot.of(all), List.of());
    MeshCompiler memo = new MeshCompiler(SETTINGS);
    CompileResult r = memo.compile(t, PortAllocation.empty(), null, NOW);
    return new Compiled(r, memo.routeStatuses());
  }

  static final String PARENT = GatewayApi.serviceParent("web");

  static String route(String name, String rules) {
    return route(name, PARENT, rules);
  }

  static String route(String name, String parents, String rules) {
    return GatewayApi.httpRoute("default", name, parents, rules);
  }

  static Compiled compileRoute(String name, String rules) {
    return compile(yaml(route(name, rules)));
  }

  static Compiled compileRoute(String name, String parents, String rules) {
    return compile(yaml(route(name, parents, rules)));
  }

  /** A GRPCRoute {@code g} on default/web with these rules. */
  static HasMetadata grpcRoute(String rules) {
    return yaml(GatewayApi.grpcRoute("default", "g", PARENT, rules));
  }

  static final String CANARY_RULE =
      """
      - backendRefs:
        - {name: web-v1, port: 80, weight: 90}
        - {name: web-v2, port: 80, weight: 10}
      """;

  static RouteRule rule(ListenerConfig l, int i) {
    return l.route().rules().get(i);
  }

  @Test
  void backendRefWeightsBecomeARuleAndTheRouteIsAccepted() {
    Compiled c = compileRoute("canary", CANARY_RULE);

    ListenerConfig l = c.web();
    assertThat(l.route().rules()).hasSize(1);
    RouteRule r = rule(l, 0);
    assertThat(r.name()).isEqualTo("default/canary#0");
    assertThat(r.matches()).isEmpty();
    assertThat(r.backends())
        .extracting(BackendConfig::service, BackendConfig::weight)
        .containsExactly(tuple("web-v1", 90), tuple("web-v2", 10));
    assertThat(r.backends().get(1).endpoints())
        .extracting(EndpointConfig::ip)
        .containsExactly("10.0.2.1");
    assertThat(r.refusedWeight()).isZero();
    assertThat(l.route().split()).isEmpty();
    RouteStatus.Parent p = c.parent("canary");
    assertCondition(p, "Accepted", true, "Accepted");
    assertThat(p.condition("ResolvedRefs").status()).isTrue();
    assertThat(p.condition("PartiallyInvalid")).isNull();
    assertThat(c.problems("HTTPRoute", "canary")).isEmpty();
  }

  @Test
  void pathHeaderQueryAndMethodMatchesAreCompiledAsTheSpecDefinesThem() {
    Compiled c =
        compileRoute(
            "m",
            """
                    - matches:
                      - path: {type: Exact, value: /exact}
                      - path: {type: PathPrefix, value: /api/}
                        method: POST
                      - path: {type: RegularExpression, value: "/v[0-9]+/items"}
                      - headers:
                        - {name: X-Canary, value: "yes"}
                        - {name: x-canary, value: "ignored, the first one counts"}
                        - {name: x-user, type: RegularExpression, value: "a.*"}
                        queryParams:
                        - {name: debug, value: "1"}
                      backendRefs:
                      - {name: web-v2, port: 80}
                    """);
    // One entry per match, ranked one by one: Exact, the longest prefix, then the path-less match
    // (its implicit prefix "/"), then the regex.
    List<RouteRule> rules = c.web().route().rules();
    assertThat(rules)
        .extracting(RouteRule::name)
        .containsExactly("default/m#0.0", "default/m#0.1", "default/m#0.3", "default/m#0.2");
    assertThat(rules).allSatisfy(r -> assertThat(r.matches()).hasSize(1));
    assertThat(rules.get(0).matches().get(0).path())
        .isEqualTo(new PathMatch(PathMatch.Type.EXACT, "/exact"));
    assertThat(rules.get(1).matches().get(0).path())
        .isEqualTo(new PathMatch(PathMatch.Type.PATH_PREFIX, "/api/"));
    assertThat(rules.get(1).matches().get(0).method()).isEqualTo("POST");
    assertThat(rules.get(3).matches().get(0).path())
        .isEqualTo(new PathMatch(PathMatch.Type.REGULAR_EXPRESSION, "/v[0-9]+/items"));
    RouteRule.Match headers = rules.get(2).matches().get(0);
    assertThat(headers.path()).isNull();
    assertThat(headers.headers())
        .containsExactly(
            new ValueMatch(ValueMatch.Type.EXACT, "x-canary", "yes"),
            new ValueMatch(ValueMatch.Type.REGULAR_EXPRESSION, "x-user", "a.*"));
    assertThat(headers.queryParams())
        .containsExactly(new ValueMatch(ValueMatch.Type.EXACT, "debug", "1"));
    assertThat(rules).allSatisfy(r -> assertThat(r.backends()).hasSize(1));
    assertThat(c.accepted("m")).isTrue();
  }

  @Test
  void anUnresolvedBackendIsResolvedRefsFalseAndItsShareIsRefused() {
    Compiled c =
        compileRoute(
            "gone",
            """
                    - backendRefs:
                      - {name: web-v1, port: 80, weight: 3}
                      - {name: nowhere, port: 80, weight: 1}
                      - {name: web-v2, namespace: other, port: 80, weight: 2}
                    """);
    RouteRule r = rule(c.web(), 0);
    assertThat(r.backends()).extracting(BackendConfig::service).containsExactly("web-v1");
    // Gateway API: the share of an invalid backendRef is answered 500, not given to the others.
    assertThat(r.refusedWeight()).isEqualTo(3);
    RouteStatus.Parent p = c.parent("gone");
    assertCondition(p, "ResolvedRefs", false, "BackendNotFound");
    assertThat(p.condition("Accepted").status()).isTrue();
    assertThat(c.fieldsAndReasons("HTTPRoute", "gone"))
        .containsExactly(
            tuple("spec.rules[0].backendRefs[1].name", "BackendNotFound"),
            tuple("spec.rules[0].backendRefs[2].namespace", "RefNotPermitted"));
  }

  @Test
  void anHttpRouteWinsOverATrafficSplitOnTheSameService() {
    Compiled c =
        compile(yaml(route("canary", CANARY_RULE)), split("default", "old", "web", "web-v1", 100));
    assertThat(c.web().route().split()).isEmpty();
    assertThat(c.web().route().rules())
        .extracting(RouteRule::name)
        .containsExactly("default/canary#0");
    assertThat(c.problems("TrafficSplit", "old"))
        .extracting((Problem pr) -> pr.reason().eventReason())
        .containsExactly("OverriddenByRoute");
  }

  @Test
  void rulesAreOrderedByTheSpecsPrecedenceAcrossRoutes() {
    HasMetadata broad =
        yaml(
            route(
                "broad",
                """
                - matches:
                  - path: {type: PathPrefix, value: /}
                  backendRefs:
                  - {name: web-v1, port: 80}
                - matches:
                  - path: {type: PathPrefix, value: /pay}
                  backendRefs:
                  - {name: web-v1, port: 80}
                - matches:
                  - path: {type: PathPrefix, value: /pay}
                    headers: [{name: x-a, value: b}]
                  backendRefs:
                  - {name: web-v1, port: 80}
                """));
    HasMetadata exact =
        yaml(
            route(
                "exact",
                """
                - matches:
                  - path: {type: PathPrefix, value: /paym}
                    method: GET
                  backendRefs:
                  - {name: web-v2, port: 80}
                - matches:
                  - path: {type: Exact, value: /pay}
                  backendRefs:
                  - {name: web-v2, port: 80}
                """));
    Compiled c = compile(broad, exact);
    assertThat(c.web().route().rules())
        .extracting(RouteRule::name)
        .containsExactly(
            "default/exact#1", // Exact path
            "default/exact#0", // longest prefix
            "default/broad#2", // /pay with a header
            "default/broad#1", // /pay
            "default/broad#0"); // everything
    assertThat(c.accepted("exact")).isTrue();
    assertThat(c.accepted("broad")).isTrue();
  }

  @Test
  void equalRulesGoToTheOldestRouteThenByName() {
    String later =
        route("a-later", CANARY_RULE)
            .replace("generation: 3", "creationTimestamp: \"2026-02-01T00:00:00Z\"");
    String older =
        route("z-older", CANARY_RULE)
            .replace("generation: 3", "creationTimestamp: \"2026-01-01T00:00:00Z\"");
    Compiled c = compile(yaml(later), yaml(older));
    assertThat(c.web().route().rules())
        .extracting(RouteRule::name)
        .containsExactly("default/z-older#0", "default/a-later#0");
  }

  @Test
  void everyCoreFilterIsCompiledAndTheMirrorIsResolved() {
    Compiled c =
        compileRoute(
            "f",
            """
                    - matches:
                      - path: {type: PathPrefix, value: /old}
                      filters:
                      - type: RequestHeaderModifier
                        requestHeaderModifier:
                          set: [{name: X-A, value: b}]
                          add: [{name: x-b, value: c}]
                          remove: [x-c]
                      - type: ResponseHeaderModifier
                        responseHeaderModifier:
                          set: [{name: x-served-by, value: mesh}]
                      - type: URLRewrite
                        urlRewrite:
                          hostname: new.example
                          path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}
                      - type: RequestMirror
                        requestMirror:
                          backendRef: {name: shadow, port: 80}
                          fraction: {numerator: 1, denominator: 4}
                      backendRefs:
                      - {name: web-v2, port: 80}
                    - matches:
                      - path: {type: Exact, value: /moved}
                      filters:
                      - type: RequestRedirect
                        requestRedirect:
                          scheme: https
                          path: {type: ReplaceFullPath, replaceFullPath: /here}
                          statusCode: 301
                    """);
    List<RouteRule> rules = c.web().route().rules();
    RouteRule rewrite =
        rules.stream().filter(r -> r.name().endsWith("#0")).findFirst().orElseThrow();
    assertThat(rewrite.filters()).hasSize(4);
    assertThat(rewrite.filters().get(0))
        .isEqualTo(
            new RouteFilter.RequestHeaderModifier(
                new RouteFilter.HeaderEdits(
                    List.of(new RouteFilter.Header("x-a", "b")),
                    List.of(new RouteFilter.Header("x-b", "c")),
                    List.of("x-c"))));
    assertThat(rewrite.filters().get(1)).isInstanceOf(RouteFilter.ResponseHeaderModifier.class);
    assertThat(rewrite.filters().get(2))
        .isEqualTo(
            new RouteFilter.UrlRewrite(
                "new.example",
                new RouteRule.PathModifier(
                    RouteRule.PathModifier.Type.REPLACE_PREFIX_MATCH, "/new")));
    RouteFilter.RequestMirror mirror = (RouteFilter.RequestMirror) rewrite.filters().get(3);
    assertThat(mirror.percent()).isEqualTo(25.0);
    assertThat(mirror.backend().service()).isEqualTo("shadow");
    assertThat(mirror.backend().endpoints())
        .extracting(EndpointConfig::ip)
        .containsExactly("10.0.3.1");
    RouteRule redirect =
        rules.stream().filter(r -> r.name().endsWith("#1")).findFirst().orElseThrow();
    assertThat(redirect.backends()).isEmpty();
    assertThat(redirect.filters())
        .containsExactly(
            new RouteFilter.RequestRedirect(
                "https",
                null,
                new RouteRule.PathModifier(RouteRule.PathModifier.Type.REPLACE_FULL_PATH, "/here"),
                null,
                301));
    assertThat(c.accepted("f")).isTrue();
    assertThat(c.problems("HTTPRoute", "f")).isEmpty();
  }

  @Test
  void unsupportedAndInvalidFiltersDropTheirRuleWithAReason() {
    Compiled c =
        compileRoute(
            "f",
            """
                    - filters:
                      - type: ExtensionRef
                        extensionRef: {group: example.com, kind: Thing, name: x}
                      backendRefs:
                      - {name: web-v2, port: 80}
                    - matches:
                      - path: {type: Exact, value: /x}
                      filters:
                      - type: URLRewrite
                        urlRewrite:
                          path: {type: ReplacePrefixMatch, replacePrefixMatch: /y}
                      backendRefs:
                      - {name: web-v2, port: 80}
                    - backendRefs:
                      - {name: web-v1, port: 80}
                    """);
    assertThat(c.web().route().rules()).extracting(RouteRule::name).containsExactly("default/f#2");
    RouteStatus.Parent p = c.parent("f");
    assertThat(p.condition("Accepted").status()).isTrue();
    assertCondition(p, "PartiallyInvalid", true, "UnsupportedValue");
    assertThat(c.fieldsAndReasons("HTTPRoute", "f"))
        .containsExactly(
            tuple("spec.rules[0].filters[0].extensionRef", "UnsupportedValue"),
            tuple("spec.rules[1]", "InvalidSpec"));
  }

  @Test
  void aRouteWithOnlyUnsupportedRulesIsNotAccepted() {
    Compiled c =
        compileRoute(
            "u",
            """
                    - filters:
                      - type: ExtensionRef
                        extensionRef: {group: example.com, kind: Thing, name: x}
                      backendRefs:
                      - {name: web-v2, port: 80}
                    """);
    assertThat(c.web().route().rules()).isEmpty();
    assertCondition(c.parent("u"), "Accepted", false, "UnsupportedValue");
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
    assertThat(c.web().route().rules())
        .extracting(RouteRule::name)
        .containsExactly("default/good#0");
    assertThat(c.problems("HTTPRoute", "bad"))
        .singleElement()
        .satisfies(p -> assertThat(p.field()).isEqualTo("spec.rules[0].matches[0].path.value"));
    assertThat(c.accepted("bad")).isFalse();
  }

  @Test
  void regexesPastThePerPortBudgetAreLeftOutLeastSpecificFirst() {
    StringBuilder rules = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      rules.append(
          """
          - matches:
            - path: {type: RegularExpression, value: "/r%d/[a-z]{1,40}"}
            backendRefs:
            - {name: web-v1, port: 80}
          """
              .formatted(i));
    }
    Compiled c = compileRoute("many", rules.toString());
    int kept = c.web().route().rules().size();
    assertThat(kept).isBetween(1, 39);
    assertThat(c.parent("many").condition("PartiallyInvalid").status()).isTrue();
    assertThat(c.problems("HTTPRoute", "many")).hasSize(40 - kept);
  }

  @Test
  void sectionNameAndPortPickTheServicePort() {
    Compiled c =
        compileRoute(
            "s", "- {name: web, kind: Service, group: \"\", sectionName: grpc}\n", CANARY_RULE);
    assertThat(c.web().route().rules()).isEmpty();
    assertThat(c.parent("s").condition("Accepted").reason()).isEqualTo("NoMatchingParent");
    Compiled d =
        compileRoute(
            "s",
            "- {name: web, kind: Service, group: \"\", sectionName: http, port: 80}\n",
            CANARY_RULE);
    assertThat(d.web().route().rules()).hasSize(1);
    assertThat(d.accepted("s")).isTrue();
  }

  @Test
  void aConsumerRouteInAnotherNamespaceIsNotAccepted() {
    Compiled c =
        compileRoute(
            "consumer",
            "- {name: web, namespace: shop, kind: Service, group: \"\"}\n",
            CANARY_RULE);
    assertThat(c.parent("consumer").condition("Accepted").reason()).isEqualTo("UnsupportedValue");
  }

  @Test
  void timeoutsAndRetriesArePerRule() {
    Compiled c =
        compileRoute(
            "t",
            """
                    - matches:
                      - path: {type: PathPrefix, value: /slow}
                      timeouts: {request: 2s, backendRequest: 500ms}
                      retry: {attempts: 3, backoff: 100ms, codes: [503, 429]}
                      backendRefs:
                      - {name: web-v2, port: 80}
                    - timeouts: {request: 1m, backendRequest: 2m}
                      backendRefs:
                      - {name: web-v2, port: 80}
                    """);
    RouteRule r = rule(c.web(), 0);
    assertThat(r.timeouts()).isEqualTo(new RouteRule.Timeouts(2000, 500));
    assertThat(r.retry()).isEqualTo(new RouteRule.Retry(3, List.of(503, 429), 100));
    assertThat(c.web().route().rules()).hasSize(1);
    assertThat(c.problems("HTTPRoute", "t"))
        .extracting(Problem::field)
        .containsExactly("spec.rules[1].timeouts");
  }

  @Test
  void faultAnnotationsGiveEveryRuleOfTheRouteItsFault() {
    String yaml =
        route("chaos", CANARY_RULE)
            .replace(
                "generation: 3",
                """
                generation: 3
                  annotations:
                    nodemesh.io/fault-delay: 250ms
                    nodemesh.io/fault-delay-percent: "10"
                    nodemesh.io/fault-abort-status: "503"
                    nodemesh.io/fault-abort-percent: "5\"""");
    Compiled c = compile(yaml(yaml));
    assertThat(rule(c.web(), 0).fault())
        .isEqualTo(
            new RouteRule.Fault(
                new RouteRule.Fault.Delay(250, 10), new RouteRule.Fault.Abort(503, null, 5)));
    Compiled bad =
        compile(
            yaml(
                route("chaos", CANARY_RULE)
                    .replace(
                        "generation: 3",
                        "generation: 3\n  annotations: {nodemesh.io/fault-abort-percent: \"150\", nodemesh.io/fault-abort-status: \"503\"}")));
    assertThat(rule(bad.web(), 0).fault()).isNull();
    assertThat(bad.problems("HTTPRoute", "chaos"))
        .extracting(Problem::field)
        .containsExactly("metadata.annotations[nodemesh.io/fault-abort-percent]");
  }

  @Test
  void aGrpcRouteMatchesServiceAndMethodPaths() {
    HasMetadata g =
        grpcRoute(
            """
            - matches:
              - method: {service: shop.Cart, method: Add}
              - method: {service: shop.Orders}
                headers: [{name: x-tenant, value: a}]
              backendRefs:
              - {name: web-v2, port: 80}
            - matches:
              - method: {type: RegularExpression, service: "shop\\\\..*", method: "Get.*"}
              filters:
              - type: RequestMirror
                requestMirror: {backendRef: {name: shadow, port: 80}}
              backendRefs:
              - {name: web-v1, port: 80}
            """);
    Compiled c = compile(g);
    List<RouteRule> rules = c.web().route().rules();
    assertThat(rules)
        .extracting(RouteRule::name)
        .containsExactly("grpc:default/g#0.1", "grpc:default/g#0.0", "grpc:default/g#1");
    assertThat(rules.get(1).matches().get(0).path())
        .isEqualTo(new PathMatch(PathMatch.Type.EXACT, "/shop.Cart/Add"));
    assertThat(rules.get(0).matches().get(0).path())
        .isEqualTo(new PathMatch(PathMatch.Type.PATH_PREFIX, "/shop.Orders"));
    assertThat(rules.get(2).matches().get(0).path())
        .isEqualTo(new PathMatch(PathMatch.Type.REGULAR_EXPRESSION, "/(?:shop\\..*)/(?:Get.*)"));
    assertThat(((RouteFilter.RequestMirror) rules.get(2).filters().get(0)).percent())
        .isEqualTo(100.0);
    assertThat(c.accepted("g")).isTrue();
  }

  @Test
  void aGrpcRegexThatWouldEscapeItsGroupIsRefused() {
    HasMetadata g =
        grpcRoute(
            """
            - matches:
              - method: {type: RegularExpression, service: "a)|(.*", method: "x"}
              backendRefs:
              - {name: web-v2, port: 80}
            """);
    Compiled c = compile(g);
    assertThat(c.web().route().rules()).isEmpty();
    assertThat(c.problems("GRPCRoute", "g"))
        .extracting(Problem::field)
        .containsExactly("spec.rules[0].matches[0].method");
    assertThat(c.accepted("g")).isFalse();
  }

  @Test
  void aRouteAttachedOnlyToAGatewayIsLeftAlone() {
    Compiled c =
        compileRoute(
            "gw", "- {name: edge, kind: Gateway, group: gateway.networking.k8s.io}\n", CANARY_RULE);
    assertThat(c.web().route().rules()).isEmpty();
    assertThat(c.statuses()).isEmpty();
  }
}
