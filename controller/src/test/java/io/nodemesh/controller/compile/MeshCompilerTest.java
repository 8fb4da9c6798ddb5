package io.nodemesh.controller.compile;

import static io.nodemesh.testkit.K8s.annotate;
import static io.nodemesh.testkit.K8s.created;
import static io.nodemesh.testkit.K8s.endpoint;
import static io.nodemesh.testkit.K8s.group;
import static io.nodemesh.testkit.K8s.label;
import static io.nodemesh.testkit.K8s.namespace;
import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static io.nodemesh.testkit.K8s.split;
import static io.nodemesh.testkit.K8s.withMatches;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.smi.HTTPMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshCompilerTest {
  static final long NOW = 1_700_000_000_000L;
  static final CompileSettings SETTINGS = TestSettings.settings(false);

  static CompileResult compile(HasMetadata... objects) {
    return compile(null, objects);
  }

  static CompileResult compile(MeshConfig previous, HasMetadata... objects) {
    Topology t = Topology.from(SourceSnapshot.of(List.of(objects)), List.of());
    return new MeshCompiler(SETTINGS).compile(t, PortAllocation.empty(), previous, NOW);
  }

  static ListenerConfig listener(CompileResult r, String ns, String svc, int port) {
    return r.config().listeners().stream()
        .filter(l -> l.namespace().equals(ns) && l.service().equals(svc) && l.port() == port)
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    "no listener "
                        + ns
                        + "/"
                        + svc
                        + ":"
                        + port
                        + " in "
                        + r.config().listeners()));
  }

  /** The one problem of the compilation. */
  static Problem onlyProblem(CompileResult r) {
    assertThat(r.problems()).hasSize(1);
    return r.problems().get(0);
  }

  /** The services shop/web:port splits to, in order. */
  static List<String> splitServices(CompileResult r, int port) {
    return listener(r, "shop", "web", port).route().split().stream()
        .map(BackendConfig::service)
        .toList();
  }

  static List<String> problemTexts(CompileResult r) {
    return r.problems().stream().map(Problem::toString).toList();
  }

  @Test
  void everyOrdinaryServicePortBecomesAnHttpListenerWithItsOwnEndpoints() {
    CompileResult r =
        compile(
            service("shop", "web", "http:80", "admin:9000"),
            slice("shop", "web", "http", 8080, "10.0.0.2", "10.0.0.1"),
            slice("shop", "web", "admin", 9090, "10.0.0.1"));

    assertThat(r.problems()).isEmpty();
    assertThat(r.config().listeners()).hasSize(2);
    ListenerConfig l80 = listener(r, "shop", "web", 80);
    assertThat(l80.protocol()).isEqualTo(Protocol.HTTP);
    assertThat(l80.proxyPort()).isBetween(5000, 5009);
    assertThat(l80.route().root())
        .isEqualTo(
            new BackendConfig(
                "web",
                1,
                List.of(
                    EndpointConfig.ready("10.0.0.1", 8080),
                    EndpointConfig.ready("10.0.0.2", 8080))));
    assertThat(l80.route().split()).isEmpty();
    assertThat(listener(r, "shop", "web", 9000).route().root().endpoints())
        .containsExactly(EndpointConfig.ready("10.0.0.1", 9090));
  }

  @Test
  void sliceIsMatchedByPortNameAndUnnamedMatchesUnnamed() {
    CompileResult r =
        compile(
            service("a", "one", "80"),
            slice("a", "one", null, 8080, "10.0.0.1"),
            slice("a", "one", "other", 9999, "10.0.0.9"),
            slice("a", "two", null, 7777, "10.0.0.7"),
            slice("b", "one", null, 6666, "10.0.0.6"));

    assertThat(listener(r, "a", "one", 80).route().root().endpoints())
        .containsExactly(EndpointConfig.ready("10.0.0.1", 8080));
  }

  @Test
  void endpointConditionsFollowTheApiDefaults() {
    Endpoint unknown =
        new EndpointBuilder().withAddresses("10.0.0.1").withNodeName("node-a").build();
    Endpoint notReady = endpoint("10.0.0.2", false);
    Endpoint terminating =
        new EndpointBuilder()
            .withAddresses("10.0.0.3")
            .withNewConditions()
            .withReady(false)
            .withServing(true)
            .withTerminating(true)
            .endConditions()
            .build();
    CompileResult r =
        compile(
            service("a", "s", "80"),
            slice("a", "s-1", "s", null, 8080, List.of(unknown, notReady, terminating)));

    assertThat(listener(r, "a", "s", 80).route().root().endpoints())
        .containsExactly(
            new EndpointConfig("10.0.0.1", 8080, "node-a", true, true, false),
            new EndpointConfig("10.0.0.2", 8080, null, false, false, false),
            new EndpointConfig("10.0.0.3", 8080, null, false, true, true));
  }

  @Test
  void servicesOutsideTheMeshAreSkipped() {
    var external =
        new ServiceBuilder(service("a", "ext", "80"))
            .editSpec()
            .withType("ExternalName")
            .withExternalName("example.com")
            .endSpec()
            .build();
    CompileResult r =
        compile(
            external,
            label(service("a", "ignored", "80"), "nodemesh.io/ignore", "true"),
            service("quiet", "svc", "80"),
            namespace("quiet", Map.of("nodemesh.io/ignore", "true")),
            service("nodemesh", "proxy", "80"),
            service("kube-system", "kube-dns", "53/UDP"),
            service("a", "kept", "80"));

    assertThat(r.config().listeners()).extracting(ListenerConfig::key).containsExactly("a/kept:80");
  }

  @Test
  void trafficTypeAnnotationChoosesTheProtocolAndUdpPortsAreUdp() {
    CompileResult r =
        compile(
            annotate(service("a", "db", "5432"), "nodemesh.io/traffic-type", "tcp"),
            annotate(service("a", "stats", "8125"), "nodemesh.io/traffic-type", "udp"),
            service("a", "dns", "53/UDP"),
            service("a", "web", "80"));

    assertThat(listener(r, "a", "db", 5432).protocol()).isEqualTo(Protocol.TCP);
    assertThat(listener(r, "a", "db", 5432).proxyPort()).isBetween(6000, 6009);
    assertThat(listener(r, "a", "stats", 8125).protocol()).isEqualTo(Protocol.UDP);
    assertThat(listener(r, "a", "stats", 8125).proxyPort()).isBetween(7000, 7009);
    assertThat(listener(r, "a", "dns", 53).protocol()).isEqualTo(Protocol.UDP);
    assertThat(listener(r, "a", "web", 80).protocol()).isEqualTo(Protocol.HTTP);
    assertThat(r.problems()).isEmpty();
  }

  @Test
  void aPortNumberListedTwiceIsMeshedOnceAndReported() {
    CompileResult r = compile(service("a", "dns", "dns:53/UDP", "dns-tcp:53"));

    assertThat(r.config().listeners())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.key()).isEqualTo("a/dns:53");
              assertThat(l.protocol()).isEqualTo(Protocol.UDP);
            });
    Problem p = onlyProblem(r);
    assertThat(p.objectRef()).isEqualTo("a/dns");
    assertThat(p.field()).isEqualTo("spec.ports[1]");
    assertThat(p.message()).contains("port 53");
    assertThat(p.reason()).isEqualTo(ProblemReason.PORT_CONFLICT);
  }

  @Test
  void invalidTrafficTypeIsReportedAndHttpApplies() {
    CompileResult r =
        compile(annotate(service("a", "web", "80"), "nodemesh.io/traffic-type", "grpc"));

    assertThat(listener(r, "a", "web", 80).protocol()).isEqualTo(Protocol.HTTP);
    Problem p = onlyProblem(r);
    assertThat(p.kind()).isEqualTo("Service");
    assertThat(p.namespace()).isEqualTo("a");
    assertThat(p.name()).isEqualTo("web");
    assertThat(p.field()).isEqualTo("metadata.annotations[nodemesh.io/traffic-type]");
    assertThat(p.message()).contains("'grpc'");
    assertThat(p.reason()).isEqualTo(ProblemReason.INVALID_ANNOTATION);
  }

  @Test
  void theDefaultTrafficTypeAppliesOnlyWhereNoAnnotationOrUdpPortSaysOtherwise() {
    CompileSettings tcpByDefault =
        new CompileSettings(
            SETTINGS.meshNamespace(),
            SETTINGS.meshDomain(),
            SETTINGS.ranges(),
            false,
            Protocol.TCP);
    Topology t =
        Topology.from(
            SourceSnapshot.of(
                List.of(
                    service("a", "db", "5432"),
                    annotate(service("a", "web", "80"), "nodemesh.io/traffic-type", "http"),
                    service("a", "dns", "53/UDP"),
                    annotate(service("a", "bad", "81"), "nodemesh.io/traffic-type", "grpc"))),
            List.of());
    CompileResult r = new MeshCompiler(tcpByDefault).compile(t, PortAllocation.empty(), null, NOW);

    assertThat(listener(r, "a", "db", 5432).protocol()).isEqualTo(Protocol.TCP);
    assertThat(listener(r, "a", "web", 80).protocol()).isEqualTo(Protocol.HTTP);
    assertThat(listener(r, "a", "dns", 53).protocol()).isEqualTo(Protocol.UDP);
    assertThat(listener(r, "a", "bad", 81).protocol()).isEqualTo(Protocol.TCP);
    assertThat(r.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).endsWith("using tcp"));
  }

  private static HasMetadata[] splitWorld(HasMetadata... extra) {
    List<HasMetadata> all =
        new ArrayList<>(
            List.of(
                service("shop", "web", "http:80"),
                slice("shop", "web", "http", 8080, "10.0.0.1"),
                service("shop", "web-v1", "web:80"),
                slice("shop", "web-v1", "web", 8081, "10.0.1.1"),
                service("shop", "web-v2", "main:80"),
                slice("shop", "web-v2", "main", 8082, "10.0.2.1", "10.0.2.2")));
    all.addAll(List.of(extra));
    return all.toArray(HasMetadata[]::new);
  }

  @Test
  void trafficSplitRoutesToEachBackendsOwnEndpointsForTheSamePortNumber() {
    CompileResult r =
        compile(
            splitWorld(
                split("shop", "canary", "web.shop.svc.cluster.local", "web-v1", 90, "web-v2", 10)));

    assertThat(r.problems()).isEmpty();
    var route = listener(r, "shop", "web", 80).route();
    assertThat(route.root().endpoints()).containsExactly(EndpointConfig.ready("10.0.0.1", 8080));
    assertThat(route.splitName()).isEqualTo("shop/canary");
    assertThat(route.split())
        .containsExactly(
            new BackendConfig("web-v1", 90, List.of(EndpointConfig.ready("10.0.1.1", 8081))),
            new BackendConfig(
                "web-v2",
                10,
                List.of(
                    EndpointConfig.ready("10.0.2.1", 8082),
                    EndpointConfig.ready("10.0.2.2", 8082))));
  }

  @Test
  void missingRootServiceSkipsTheSplit() {
    CompileResult r = compile(splitWorld(split("shop", "s", "nope", "web-v1", 1)));

    assertThat(listener(r, "shop", "web", 80).route().split()).isEmpty();
    Problem p = onlyProblem(r);
    assertThat(p.kind()).isEqualTo("TrafficSplit");
    assertThat(p.objectRef()).isEqualTo("shop/s");
    assertThat(p.field()).isEqualTo("spec.service");
    assertThat(p.message()).contains("'nope'").contains("not found");
  }

  @Test
  void missingBackendIsLeftOutAndTheRestWorks() {
    CompileResult r = compile(splitWorld(split("shop", "s", "web", "web-v1", 50, "web-v9", 50)));

    assertThat(splitServices(r, 80)).containsExactly("web-v1");
    Problem p = onlyProblem(r);
    assertThat(p.field()).isEqualTo("spec.backends[1].service");
    assertThat(p.message()).contains("'web-v9'").contains("not found");
    assertThat(p.reason()).isEqualTo(ProblemReason.BACKEND_NOT_FOUND);
  }

  @Test
  void backendWithoutTheRootsPortIsLeftOutForThatPort() {
    CompileResult r =
        compile(
            service("shop", "web", "http:80", "grpc:9000"),
            service("shop", "v1", "http:80", "grpc:9000"),
            service("shop", "v2", "http:80"),
            split("shop", "s", "web", "v1", 1, "v2", 1));

    assertThat(splitServices(r, 80)).containsExactly("v1", "v2");
    assertThat(splitServices(r, 9000)).containsExactly("v1");
    Problem p = onlyProblem(r);
    assertThat(p.field()).isEqualTo("spec.backends[1].service");
    assertThat(p.message()).contains("'v2'").contains("port 9000");
    assertThat(p.reason()).isEqualTo(ProblemReason.PORT_MISSING);
  }

  @Test
  void backendThatIsTheRootIsAnErrorAndLeftOut() {
    CompileResult r = compile(splitWorld(split("shop", "s", "web", "web", 50, "web-v2", 50)));

    assertThat(splitServices(r, 80)).containsExactly("web-v2");
    Problem p = onlyProblem(r);
    assertThat(p.field()).isEqualTo("spec.backends[0].service");
    assertThat(p.message()).contains("root Service itself");
  }

  @Test
  void allZeroWeightsAreKeptWithAWarning() {
    CompileResult r = compile(splitWorld(split("shop", "s", "web", "web-v1", 0, "web-v2", 0)));

    assertThat(listener(r, "shop", "web", 80).route().split())
        .extracting(BackendConfig::weight)
        .containsExactly(0, 0);
    Problem p = onlyProblem(r);
    assertThat(p.field()).isEqualTo("spec.backends");
    assertThat(p.reason()).isEqualTo(ProblemReason.ZERO_WEIGHTS);
    assertThat(p.message()).contains("503");
  }

  @Test
  void oldestSplitOfARootWinsAndTheOthersAreReported() {
    CompileResult r =
        compile(
            splitWorld(
                created(split("shop", "b-new", "web", "web-v2", 1), "2025-02-01T00:00:00Z"),
                created(split("shop", "a-newer", "web", "web-v2", 1), "2025-03-01T00:00:00Z"),
                created(split("shop", "z-old", "web", "web-v1", 1), "2025-01-01T00:00:00Z")));

    assertThat(listener(r, "shop", "web", 80).route().splitName()).isEqualTo("shop/z-old");
    assertThat(r.problems()).extracting(Problem::name).containsExactly("b-new", "a-newer");
    assertThat(r.problems())
        .allSatisfy(
            p -> {
              assertThat(p.field()).isEqualTo("spec.service");
              assertThat(p.message()).contains("shop/z-old");
              assertThat(p.reason()).isEqualTo(ProblemReason.DUPLICATE_SPLIT);
            });
  }

  @Test
  void matchesBecomeHttpMatchesWithLowerCaseHeaderNames() {
    CompileResult r =
        compile(
            splitWorld(
                group(
                    "shop",
                    "beta",
                    new HTTPMatch("testers", "/api", List.of("GET"), Map.of("X-Beta", "yes"))),
                withMatches(split("shop", "s", "web", "web-v2", 1), "beta")));

    assertThat(r.problems()).isEmpty();
    assertThat(listener(r, "shop", "web", 80).route().matches())
        .containsExactly(
            new HttpMatch("beta/testers", "/api", List.of("GET"), Map.of("x-beta", "yes")));
  }

  @Test
  void matchesNamingAMissingGroupSkipTheSplit() {
    CompileResult r =
        compile(splitWorld(withMatches(split("shop", "s", "web", "web-v2", 1), "nope")));

    assertThat(listener(r, "shop", "web", 80).route().split()).isEmpty();
    Problem p = onlyProblem(r);
    assertThat(p.field()).isEqualTo("spec.matches[0].name");
    assertThat(p.message()).contains("HTTPRouteGroup 'nope'");
    assertThat(p.reason()).isEqualTo(ProblemReason.ROUTE_GROUP_NOT_FOUND);
  }

  @Test
  void matchesNamingAnInvalidGroupSkipTheSplitAndTheGroupIsReported() {
    CompileResult r =
        compile(
            splitWorld(
                group("shop", "beta", new HTTPMatch("testers", "/api", List.of("get"), null)),
                withMatches(split("shop", "s", "web", "web-v2", 1), "beta")));

    assertThat(listener(r, "shop", "web", 80).route().split()).isEmpty();
    assertThat(problemTexts(r))
        .hasSize(2)
        .anySatisfy(
            t ->
                assertThat(t)
                    .contains("HTTPRouteGroup shop/beta: spec.matches[0].methods[0]")
                    .contains("'get'"))
        .anySatisfy(t -> assertThat(t).contains("TrafficSplit shop/s: spec.matches[0].name"));
  }

  @Test
  void invalidSplitIsSkippedWithTheValidatorsProblem() {
    CompileResult r = compile(splitWorld(split("shop", "s", "web", "web-v1", -5)));

    assertThat(listener(r, "shop", "web", 80).route().split()).isEmpty();
    assertThat(problemTexts(r))
        .singleElement()
        .asString()
        .contains("TrafficSplit shop/s")
        .contains("spec.backends[0].weight");
  }

  @Test
  void exhaustedRangeIsReportedOnTheService() {
    List<HasMetadata> many = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      many.add(service("a", "s" + (char) ('a' + i), "80"));
    }
    CompileResult r = compile(many.toArray(HasMetadata[]::new));

    assertThat(r.config().listeners()).hasSize(10);
    Problem p = onlyProblem(r);
    assertThat(p.objectRef()).isEqualTo("a/sk");
    assertThat(p.message()).contains("5000-5009");
  }

  @Test
  void sameInputGivesTheSameOutput() {
    HasMetadata[] world = splitWorld(split("shop", "s", "web", "web-v1", 1, "web-v9", 1));
    assertThat(compile(world)).isEqualTo(compile(world));
  }

  @Test
  void versionOnlyChangesWithTheContent() {
    CompileResult first = compile(splitWorld());
    assertThat(first.config().version()).isEqualTo(NOW);

    CompileResult same = compile(first.config(), splitWorld());
    assertThat(same.config().version()).isEqualTo(NOW);

    CompileResult changed =
        compile(first.config(), splitWorld(split("shop", "s", "web", "web-v1", 1)));
    assertThat(changed.config().version()).isEqualTo(NOW + 1);

    MeshConfig future = new MeshConfig(NOW + 1000, "mesh", List.of());
    assertThat(compile(future, splitWorld()).config().version()).isEqualTo(NOW + 1001);
  }

  @Test
  void aServicePortOutsideThePortRangeIsReportedAndLeftOut() {
    var svc =
        new ServiceBuilder(service("shop", "web", "http:80", "big:80"))
            .editSpec()
            .editLastPort()
            .withPort(70000)
            .endPort()
            .endSpec()
            .build();

    CompileResult r = compile(svc);

    assertThat(r.config().listeners())
        .extracting(ListenerConfig::key)
        .containsExactly("shop/web:80");
    assertThat(problemTexts(r))
        .containsExactly(
            "Service shop/web: spec.ports[1].port: port 70000 is not in 1..65535; this port is not"
                + " meshed (InvalidSpec)");
  }

  @Test
  void sliceAddressesThatAreNotIpsAndPortsOutOfRangeAreReportedAndLeftOut() {
    var slice =
        slice(
            "shop",
            "web-abc",
            "web",
            "http",
            8080,
            List.of(
                endpoint("10.0.0.1", true),
                endpoint("not-an-ip", true),
                endpoint("fd00::1", true),
                endpoint("999.1.1.1", true)));
    var badPort = slice("shop", "web-def", "web", "http", 0, List.of(endpoint("10.0.0.9", true)));

    CompileResult r = compile(service("shop", "web", "http:80"), slice, badPort);

    assertThat(listener(r, "shop", "web", 80).route().root().endpoints())
        .extracting(EndpointConfig::authority)
        .containsExactly("10.0.0.1:8080", "[fd00::1]:8080");
    assertThat(problemTexts(r))
        .containsExactly(
            "EndpointSlice shop/web-abc: endpoints[1].addresses[0]: 'not-an-ip' is not an IP"
                + " address; this address is left out (InvalidSpec)",
            "EndpointSlice shop/web-abc: endpoints[3].addresses[0]: '999.1.1.1' is not an IP"
                + " address; this address is left out (InvalidSpec)",
            "EndpointSlice shop/web-def: ports[0].port: port 0 is not in 1..65535; its endpoints"
                + " are left out (InvalidSpec)");
  }

  @Test
  void aMemoizedCompileStillReportsTheSlicesProblems() {
    Topology t =
        Topology.from(
            SourceSnapshot.of(
                List.of(
                    service("shop", "web", "http:80"),
                    service("shop", "other", "http:80"),
                    slice("shop", "web", "http", 8080, "bad-ip"))),
            List.of());
    MeshCompiler memo = new MeshCompiler(SETTINGS);
    CompileResult first = memo.compile(t, PortAllocation.empty(), null, NOW);
    CompileResult second = memo.compile(t, first.allocation(), first.config(), NOW + 1);

    assertThat(first.problems())
        .extracting(Problem::field)
        .containsExactly("endpoints[0].addresses[0]");
    assertThat(second.problems()).isEqualTo(first.problems());
    assertThat(second.config().version()).isEqualTo(first.config().version());
  }
}
