package io.nodemesh.smi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.CustomResource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SmiValidatorTest {

  private static <T extends CustomResource<S, Void>, S> T named(
      T resource, String namespace, S spec) {
    resource.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName("obj").build());
    resource.setSpec(spec);
    return resource;
  }

  private static List<String> messages(List<SmiProblem> problems) {
    return problems.stream().map(SmiProblem::toString).toList();
  }

  @Nested
  class Problems {

    @Test
    void toStringNamesKindObjectFieldAndMessage() {
      SmiProblem problem =
          new SmiProblem(
              "TrafficSplit",
              "shop",
              "echo-split",
              "spec.backends[1].weight",
              "must be >= 0 (got -5)");

      assertThat(problem)
          .hasToString(
              "TrafficSplit shop/echo-split: spec.backends[1].weight: must be >= 0 (got -5)");
    }

    @Test
    void objectWithoutNamespaceOrNameIsStillShown() {
      assertThat(new SmiProblem("TCPRoute", null, "r", "spec", "m"))
          .hasToString("TCPRoute r: spec: m");
      assertThat(new SmiProblem("TCPRoute", null, null, "spec", "m"))
          .hasToString("TCPRoute <unnamed>: spec: m");
    }

    @Test
    void isUnderMatchesTheFieldAndWhatIsInsideIt() {
      SmiProblem weight =
          new SmiProblem("TrafficSplit", "shop", "s", "spec.backends[1].weight", "m");

      assertThat(weight.isUnder("spec.backends")).isTrue();
      assertThat(weight.isUnder("spec.backends[1]")).isTrue();
      assertThat(weight.isUnder("spec.backends[1].weight")).isTrue();
      assertThat(weight.isUnder("spec.backends[0]")).isFalse();
      assertThat(weight.isUnder("spec.backend")).isFalse();
      assertThat(weight.isUnder("spec.service")).isFalse();
    }

    @Test
    void kindFieldAndMessageAreRequired() {
      assertThatThrownBy(() -> new SmiProblem(null, "ns", "n", "spec", "m"))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("SmiProblem.kind must not be null");
      assertThatThrownBy(() -> new SmiProblem("TrafficSplit", "ns", "n", " ", "m"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("field=' '");
    }
  }

  @Nested
  class Splits {

    private TrafficSplit split(String service, TrafficSplitBackend... backends) {
      return named(
          new TrafficSplit(),
          "shop",
          new TrafficSplitSpec(service, new ArrayList<>(Arrays.asList(backends)), null));
    }

    @Test
    void validSplitHasNoProblems() {
      assertThat(SmiValidator.validate(split("echo", new TrafficSplitBackend("echo-v1", 1))))
          .isEmpty();
    }

    @Test
    void negativeWeightIsReportedWithTheValue() {
      TrafficSplit split =
          split(
              "echo",
              new TrafficSplitBackend("echo-v1", 1),
              new TrafficSplitBackend("echo-v2", -5));

      assertThat(messages(SmiValidator.validate(split)))
          .containsExactly("TrafficSplit shop/obj: spec.backends[1].weight: must be >= 0 (got -5)");
    }

    @Test
    void missingWeightIsAnErrorNotZero() {
      TrafficSplit split = split("echo", new TrafficSplitBackend("echo-v1", null));

      assertThat(messages(SmiValidator.validate(split)))
          .containsExactly("TrafficSplit shop/obj: spec.backends[0].weight: is required");
    }

    @Test
    void allWeightsZeroIsValidHereAndFlaggedByTheHelper() {
      TrafficSplit split =
          split(
              "echo", new TrafficSplitBackend("echo-v1", 0), new TrafficSplitBackend("echo-v2", 0));

      assertThat(SmiValidator.validate(split)).isEmpty();
      assertThat(split.getSpec().allWeightsZero()).isTrue();
    }

    @Test
    void rootServiceIsRequired() {
      assertThat(messages(SmiValidator.validate(split(" ", new TrafficSplitBackend("echo-v1", 1)))))
          .containsExactly("TrafficSplit shop/obj: spec.service: is required");
    }

    @Test
    void atLeastOneBackendIsRequired() {
      assertThat(messages(SmiValidator.validate(split("echo"))))
          .containsExactly("TrafficSplit shop/obj: spec.backends: needs at least one backend");
      TrafficSplit noList =
          named(new TrafficSplit(), "shop", new TrafficSplitSpec("echo", null, null));
      assertThat(messages(SmiValidator.validate(noList)))
          .containsExactly("TrafficSplit shop/obj: spec.backends: needs at least one backend");
    }

    @Test
    void backendNeedsAServiceName() {
      assertThat(messages(SmiValidator.validate(split("echo", new TrafficSplitBackend(null, 1)))))
          .containsExactly("TrafficSplit shop/obj: spec.backends[0].service: is required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"echo", "echo.shop", "echo.shop.svc", "echo.shop.svc.cluster.local"})
    void backendMustNotBeTheRootItselfHoweverTheRootIsSpelled(String root) {
      TrafficSplit split =
          split(root, new TrafficSplitBackend("echo-v1", 1), new TrafficSplitBackend("echo", 9));

      assertThat(messages(SmiValidator.validate(split)))
          .containsExactly(
              "TrafficSplit shop/obj: spec.backends[1].service: must not be the root service 'echo'"
                  + " itself");
    }

    @Test
    void rootInAnotherNamespaceIsReported() {
      TrafficSplit split =
          split("echo.other.svc.cluster.local", new TrafficSplitBackend("echo-v1", 1));

      assertThat(messages(SmiValidator.validate(split)))
          .containsExactly(
              "TrafficSplit shop/obj: spec.service: must name a Service in the split's namespace"
                  + " 'shop' (got 'echo.other.svc.cluster.local')");
    }

    @Test
    void duplicateBackendIsReported() {
      TrafficSplit split =
          split(
              "echo", new TrafficSplitBackend("echo-v1", 1), new TrafficSplitBackend("echo-v1", 2));

      assertThat(messages(SmiValidator.validate(split)))
          .containsExactly(
              "TrafficSplit shop/obj: spec.backends[1].service: duplicates spec.backends[0]"
                  + " ('echo-v1'); list each backend once");
    }

    @Test
    void nullBackendAndMissingSpecAreReported() {
      TrafficSplit split = split("echo", new TrafficSplitBackend("echo-v1", 1), null);
      assertThat(messages(SmiValidator.validate(split)))
          .containsExactly("TrafficSplit shop/obj: spec.backends[1]: must not be null");

      TrafficSplit noSpec = named(new TrafficSplit(), "shop", null);
      assertThat(messages(SmiValidator.validate(noSpec)))
          .containsExactly("TrafficSplit shop/obj: spec: is required");
    }

    @Test
    void matchesMustReferToHttpRouteGroupsByName() {
      TrafficSplit split = split("echo", new TrafficSplitBackend("echo-v1", 1));
      split
          .getSpec()
          .setMatches(
              List.of(
                  new TrafficSplitMatch("HTTPRouteGroup", "ok", "specs.smi-spec.io"),
                  new TrafficSplitMatch("TCPRoute", "redis", null),
                  new TrafficSplitMatch("UDPRoute", "dns", null),
                  new TrafficSplitMatch("TrafficTarget", "t", null),
                  new TrafficSplitMatch(null, "", "split.smi-spec.io")));

      assertThat(messages(SmiValidator.validate(split)))
          .containsExactly(
              "TrafficSplit shop/obj: spec.matches[3].kind: must be HTTPRouteGroup, TCPRoute or"
                  + " UDPRoute (got 'TrafficTarget')",
              "TrafficSplit shop/obj: spec.matches[4].kind: must be HTTPRouteGroup, TCPRoute or"
                  + " UDPRoute (got nothing)",
              "TrafficSplit shop/obj: spec.matches[4].name: is required",
              "TrafficSplit shop/obj: spec.matches[4].apiGroup: must be specs.smi-spec.io or absent"
                  + " (got 'split.smi-spec.io')");
    }

    @Test
    void everyProblemIsReportedNotJustTheFirst() {
      TrafficSplit split =
          split("echo", new TrafficSplitBackend("echo", -1), new TrafficSplitBackend("", null));

      assertThat(SmiValidator.validate(split))
          .extracting(SmiProblem::field)
          .containsExactly(
              "spec.backends[0].service",
              "spec.backends[0].weight",
              "spec.backends[1].service",
              "spec.backends[1].weight");
    }
  }

  @Nested
  class RouteGroups {

    private HTTPRouteGroup group(HTTPMatch... matches) {
      return named(new HTTPRouteGroup(), "shop", new HTTPRouteGroupSpec(Arrays.asList(matches)));
    }

    @Test
    void validGroupHasNoProblems() {
      HTTPRouteGroup group =
          group(
              new HTTPMatch(
                  "api", "/api/.*", List.of("GET", "POST"), Map.of("x-user", "^insider$")),
              new HTTPMatch("any", null, List.of("*"), null),
              new HTTPMatch("headers-only", null, null, Map.of("cookie", "type=insider")));

      assertThat(SmiValidator.validate(group)).isEmpty();
    }

    @Test
    void matchNeedsANameAndNamesAreUnique() {
      HTTPRouteGroup group =
          group(
              new HTTPMatch(null, "/a", null, null),
              new HTTPMatch("m", "/b", null, null),
              new HTTPMatch("m", "/c", null, null));

      assertThat(messages(SmiValidator.validate(group)))
          .containsExactly(
              "HTTPRouteGroup shop/obj: spec.matches[0].name: is required",
              "HTTPRouteGroup shop/obj: spec.matches[2].name: duplicates spec.matches[1] ('m')");
    }

    @Test
    void pathRegexMustCompile() {
      HTTPRouteGroup group = group(new HTTPMatch("bad", "/api/(", null, null));

      assertThat(messages(SmiValidator.validate(group)))
          .containsExactly(
              "HTTPRouteGroup shop/obj: spec.matches[0].pathRegex: is not a valid regex:"
                  + " missing closing ) at `/api/(`");
    }

    @Test
    void headerRegexesMustCompile() {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("user-agent", ".*Android.*");
      headers.put("cookie", "[type");
      HTTPRouteGroup group = group(new HTTPMatch("h", null, null, headers));

      assertThat(messages(SmiValidator.validate(group)))
          .containsExactly(
              "HTTPRouteGroup shop/obj: spec.matches[0].headers.cookie: is not a valid regex:"
                  + " missing closing ] at `[type`");
    }

    @Test
    void headerWithoutRegexIsReported() {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("x-a", null);
      HTTPRouteGroup group = group(new HTTPMatch("h", null, null, headers));

      assertThat(messages(SmiValidator.validate(group)))
          .containsExactly(
              "HTTPRouteGroup shop/obj: spec.matches[0].headers.x-a: must be a regex (got null)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"get", "FETCH", ""})
    void methodsMustBeKnownUpperCaseOrStar(String method) {
      String shown = "'" + method + "'";
      HTTPRouteGroup group = group(new HTTPMatch("m", null, List.of("GET", method), null));

      assertThat(messages(SmiValidator.validate(group)))
          .containsExactly(
              "HTTPRouteGroup shop/obj: spec.matches[0].methods[1]: must be an HTTP method in upper"
                  + " case or * (got "
                  + shown
                  + ")");
    }

    @Test
    void nullMethodIsReportedNotThrown() {
      HTTPRouteGroup group = group(new HTTPMatch("m", null, Arrays.asList("GET", null), null));

      assertThat(messages(SmiValidator.validate(group)))
          .containsExactly(
              "HTTPRouteGroup shop/obj: spec.matches[0].methods[1]: must be an HTTP method in upper"
                  + " case or * (got nothing)");
    }

    @Test
    void everyKnownMethodIsAccepted() {
      List<String> all = new ArrayList<>(SmiValidator.HTTP_METHODS);
      all.add("*");

      assertThat(SmiValidator.validate(group(new HTTPMatch("m", null, all, null)))).isEmpty();
      assertThat(SmiValidator.HTTP_METHODS)
          .containsExactlyInAnyOrder(
              "GET", "HEAD", "PUT", "POST", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
    }

    @Test
    void groupNeedsAtLeastOneMatch() {
      assertThat(messages(SmiValidator.validate(group())))
          .containsExactly("HTTPRouteGroup shop/obj: spec.matches: needs at least one match");
    }
  }

  @Nested
  class L4Routes {

    @Test
    void tcpPortsMustBeInRange() {
      TCPRoute route =
          named(
              new TCPRoute(),
              "shop",
              new TCPRouteSpec(new TCPMatch("m", Arrays.asList(1, 0, 65535, 65536, null))));

      assertThat(messages(SmiValidator.validate(route)))
          .containsExactly(
              "TCPRoute shop/obj: spec.matches.ports[1]: must be between 1 and 65535 (got 0)",
              "TCPRoute shop/obj: spec.matches.ports[3]: must be between 1 and 65535 (got 65536)",
              "TCPRoute shop/obj: spec.matches.ports[4]: must be a port number (got null)");
    }

    @Test
    void udpPortsMustBeInRange() {
      UDPRoute route =
          named(new UDPRoute(), "shop", new UDPRouteSpec(new UDPMatch(null, List.of(53, -1))));

      assertThat(messages(SmiValidator.validate(route)))
          .containsExactly(
              "UDPRoute shop/obj: spec.matches.ports[1]: must be between 1 and 65535 (got -1)");
    }

    @Test
    void noPortsMeansEveryPortAndIsValid() {
      assertThat(SmiValidator.validate(named(new TCPRoute(), "shop", new TCPRouteSpec(null))))
          .isEmpty();
      assertThat(SmiValidator.validate(named(new TCPRoute(), "shop", (TCPRouteSpec) null)))
          .isEmpty();
      assertThat(
              SmiValidator.validate(
                  named(new UDPRoute(), "shop", new UDPRouteSpec(new UDPMatch(null, List.of())))))
          .isEmpty();
    }
  }

  @Nested
  class Targets {

    private static IdentityBindingSubject sa(String name) {
      return new IdentityBindingSubject("ServiceAccount", name, null, null);
    }

    private TrafficTarget target(
        IdentityBindingSubject destination,
        List<TrafficTargetRule> rules,
        List<IdentityBindingSubject> sources) {
      return named(new TrafficTarget(), "shop", new TrafficTargetSpec(destination, rules, sources));
    }

    private final List<TrafficTargetRule> oneRule =
        List.of(new TrafficTargetRule("HTTPRouteGroup", "routes", List.of("api")));

    @Test
    void validTargetHasNoProblems() {
      TrafficTarget target =
          target(
              new IdentityBindingSubject("ServiceAccount", "api", "shop", 8080),
              List.of(
                  new TrafficTargetRule("HTTPRouteGroup", "routes", null),
                  new TrafficTargetRule("TCPRoute", "redis", List.of()),
                  new TrafficTargetRule("UDPRoute", "dns", null)),
              List.of(
                  sa("web"),
                  new IdentityBindingSubject("ServiceAccount", "prometheus", "monitoring", null)));

      assertThat(SmiValidator.validate(target)).isEmpty();
    }

    @Test
    void destinationIsRequired() {
      assertThat(messages(SmiValidator.validate(target(null, oneRule, List.of(sa("web"))))))
          .containsExactly("TrafficTarget shop/obj: spec.destination: is required");
    }

    @Test
    void destinationMustBeANamedServiceAccount() {
      TrafficTarget target =
          target(new IdentityBindingSubject("Group", " ", null, null), oneRule, List.of(sa("web")));

      assertThat(messages(SmiValidator.validate(target)))
          .containsExactly(
              "TrafficTarget shop/obj: spec.destination.kind: must be ServiceAccount (got 'Group')",
              "TrafficTarget shop/obj: spec.destination.name: is required");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(
        delimiter = '|',
        quoteCharacter = '"',
        value = {
          "bank |       | TrafficTarget shop/obj: spec.destination.namespace: must be the"
              + " TrafficTarget's own namespace 'shop' or absent (got 'bank')",
          "     | 70000 | TrafficTarget shop/obj: spec.destination.port: must be between 1 and"
              + " 65535 (got 70000)",
        })
    void destinationMustBeInTheTargetsOwnNamespaceAndItsPortInRange(
        String namespace, Integer port, String message) {
      TrafficTarget target =
          target(
              new IdentityBindingSubject("ServiceAccount", "api", namespace, port),
              oneRule,
              List.of(sa("web")));

      assertThat(messages(SmiValidator.validate(target))).containsExactly(message);
    }

    @Test
    void targetWithoutRulesIsReportedBecauseItAllowsNothing() {
      assertThat(messages(SmiValidator.validate(target(sa("api"), List.of(), List.of(sa("web"))))))
          .containsExactly(
              "TrafficTarget shop/obj: spec.rules: needs at least one rule"
                  + " (a TrafficTarget without rules allows nothing)");
      assertThat(messages(SmiValidator.validate(target(sa("api"), null, List.of(sa("web"))))))
          .hasSize(1);
    }

    @Test
    void rulesNeedAKnownKindANameAndNamedMatches() {
      TrafficTarget target =
          target(
              sa("api"),
              Arrays.asList(
                  new TrafficTargetRule("HTTPRoute", "r", null),
                  new TrafficTargetRule(null, null, Arrays.asList("ok", "", null)),
                  null),
              List.of(sa("web")));

      assertThat(messages(SmiValidator.validate(target)))
          .containsExactly(
              "TrafficTarget shop/obj: spec.rules[0].kind: must be HTTPRouteGroup, TCPRoute or"
                  + " UDPRoute (got 'HTTPRoute')",
              "TrafficTarget shop/obj: spec.rules[1].kind: must be HTTPRouteGroup, TCPRoute or"
                  + " UDPRoute (got nothing)",
              "TrafficTarget shop/obj: spec.rules[1].name: is required",
              "TrafficTarget shop/obj: spec.rules[1].matches[1]: must name a match of the route",
              "TrafficTarget shop/obj: spec.rules[1].matches[2]: must name a match of the route",
              "TrafficTarget shop/obj: spec.rules[2]: must not be null");
    }

    @Test
    void atLeastOneSourceIsRequired() {
      assertThat(messages(SmiValidator.validate(target(sa("api"), oneRule, List.of()))))
          .containsExactly("TrafficTarget shop/obj: spec.sources: needs at least one source");
    }

    @Test
    void sourcesMustBeNamedServiceAccountsWithoutPorts() {
      TrafficTarget target =
          target(
              sa("api"),
              oneRule,
              Arrays.asList(
                  new IdentityBindingSubject("User", "alice", null, null),
                  new IdentityBindingSubject("ServiceAccount", null, "other", 80),
                  null));

      assertThat(messages(SmiValidator.validate(target)))
          .containsExactly(
              "TrafficTarget shop/obj: spec.sources[0].kind: must be ServiceAccount (got 'User')",
              "TrafficTarget shop/obj: spec.sources[1].name: is required",
              "TrafficTarget shop/obj: spec.sources[1].port: only the destination has a port (got"
                  + " 80)",
              "TrafficTarget shop/obj: spec.sources[2]: must not be null");
    }

    @Test
    void sourceNamespaceDefaultsToTheTargetsNamespace() {
      TrafficTarget target = target(sa("api"), oneRule, List.of(sa("web")));

      assertThat(SmiValidator.subjectNamespace(sa("web"), target)).isEqualTo("shop");
      assertThat(
              SmiValidator.subjectNamespace(
                  new IdentityBindingSubject("ServiceAccount", "p", "mon", null), target))
          .isEqualTo("mon");
    }
  }

  @Test
  void genericEntryPointDispatchesAndRefusesOtherKinds() {
    TCPRoute route =
        named(new TCPRoute(), "shop", new TCPRouteSpec(new TCPMatch(null, List.of(0))));

    assertThat(SmiValidator.validate((io.fabric8.kubernetes.api.model.HasMetadata) route))
        .hasSize(1);
    assertThatThrownBy(() -> SmiValidator.validate(new Pod()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an SMI model: io.fabric8.kubernetes.api.model.Pod");
  }

  @Test
  void serviceNameAcceptsPlainNamesAndFqdnsOfTheSameNamespaceOnly() {
    assertThat(SmiValidator.serviceName("echo", "shop")).isEqualTo("echo");
    assertThat(SmiValidator.serviceName("echo.shop", "shop")).isEqualTo("echo");
    assertThat(SmiValidator.serviceName("echo.shop.svc", "shop")).isEqualTo("echo");
    assertThat(SmiValidator.serviceName("echo.shop.svc.corp.example", "shop")).isEqualTo("echo");
    assertThat(SmiValidator.serviceName("echo.bank.svc.cluster.local", "shop")).isNull();
    assertThat(SmiValidator.serviceName("echo.shop.pod.cluster.local", "shop")).isNull();
    assertThat(SmiValidator.serviceName("echo..svc", "shop")).isNull();
    assertThat(SmiValidator.serviceName("echo.bank", null)).isEqualTo("echo");
    assertThat(SmiValidator.serviceName(null, "shop")).isNull();
  }
}
