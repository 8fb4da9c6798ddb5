package io.nodemesh.smi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmiKindsTest {

  private final KubernetesSerialization serialization = SmiKinds.newSerialization();

  static String sample(String file) {
    try (InputStream in = SmiKindsTest.class.getResourceAsStream("/samples/" + file)) {
      assertThat(in).as("sample %s on the test class path", file).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "trafficsplit-v1alpha1.yaml, TrafficSplit, split.smi-spec.io/v1alpha1",
    "trafficsplit-v1alpha2.yaml, TrafficSplit, split.smi-spec.io/v1alpha2",
    "trafficsplit-v1alpha3.yaml, TrafficSplit, split.smi-spec.io/v1alpha3",
    "trafficsplit-v1alpha4.yaml, TrafficSplit, split.smi-spec.io/v1alpha4",
    "httproutegroup-v1alpha3.yaml, HTTPRouteGroup, specs.smi-spec.io/v1alpha3",
    "httproutegroup-v1alpha4.yaml, HTTPRouteGroup, specs.smi-spec.io/v1alpha4",
    "tcproute-v1alpha3.yaml, TCPRoute, specs.smi-spec.io/v1alpha3",
    "tcproute-v1alpha4.yaml, TCPRoute, specs.smi-spec.io/v1alpha4",
    "udproute-v1alpha3.yaml, UDPRoute, specs.smi-spec.io/v1alpha3",
    "udproute-v1alpha4.yaml, UDPRoute, specs.smi-spec.io/v1alpha4",
    "traffictarget-v1alpha2.yaml, TrafficTarget, access.smi-spec.io/v1alpha2",
    "traffictarget-v1alpha3.yaml, TrafficTarget, access.smi-spec.io/v1alpha3",
  })
  void everyAcceptedVersionReadsIntoTheModelAndRoundTrips(
      String file, String kind, String apiVersion) {
    HasMetadata read = SmiKinds.unmarshal(serialization, sample(file));

    Class<? extends HasMetadata> model = SmiKinds.modelFor(apiVersion, kind).orElseThrow();
    assertThat(read).isInstanceOf(model);
    // fabric8 computes a CustomResource's apiVersion from its annotations: always the current one.
    assertThat(read.getApiVersion()).isEqualTo(HasMetadata.getApiVersion(model));
    assertThat(SmiKinds.apiVersionsOf(kind)).contains(apiVersion);
    assertThat(read.getKind()).isEqualTo(kind);
    assertThat(SmiValidator.validate(read)).as("samples are valid").isEmpty();

    HasMetadata again = SmiKinds.unmarshal(serialization, serialization.asYaml(read));
    assertThat(again).isInstanceOf(model);
    assertThat(again.getMetadata()).isEqualTo(read.getMetadata());
    assertThat(((io.fabric8.kubernetes.client.CustomResource<?, ?>) again).getSpec())
        .isEqualTo(((io.fabric8.kubernetes.client.CustomResource<?, ?>) read).getSpec());
  }

  @Test
  void v1alpha1QuantityWeightsBecomeIntegersWithTheSameRatios() {
    TrafficSplit split =
        (TrafficSplit) SmiKinds.unmarshal(serialization, sample("trafficsplit-v1alpha1.yaml"));

    assertThat(split.getSpec().getBackends())
        .extracting(TrafficSplitBackend::getService, TrafficSplitBackend::getWeight)
        .containsExactly(tuple("foobar-v1", 1000), tuple("foobar-v2", 500));
    // Written back as quantities, so a round trip keeps what the author wrote.
    assertThat(serialization.asYaml(split)).contains("weight: \"1\"").contains("weight: \"500m\"");
  }

  /** A v1alpha1 TrafficSplit of web to web-a and web-b with these weights, as YAML writes them. */
  private TrafficSplit v1alpha1Split(String weightA, String weightB) {
    return (TrafficSplit)
        SmiKinds.unmarshal(
            serialization,
            """
            apiVersion: split.smi-spec.io/v1alpha1
            kind: TrafficSplit
            metadata: {name: s, namespace: shop}
            spec:
              service: web
              backends: [{service: web-a, weight: %s}, {service: web-b, weight: %s}]
            """
                .formatted(weightA, weightB));
  }

  @ParameterizedTest(name = "{0} and {1} -> {2} and {3}")
  @CsvSource({
    // What Flagger's and Argo Rollouts' SMI v1alpha1 providers write: whole-number strings.
    "'\"90\"', '\"10\"', 90, 10",
    "'\"100\"', '\"0\"', 100, 0",
    // Fractions put every weight in thousandths.
    "'\"0.25\"', '\"750m\"', 250, 750",
    "'1', '\"500m\"', 1000, 500",
    "'\"2k\"', '\"1\"', 2000, 1",
  })
  void v1alpha1WeightForms(String a, String b, int weightA, int weightB) {
    TrafficSplit split = v1alpha1Split(a, b);
    assertThat(SmiValidator.validate(split)).isEmpty();
    assertThat(split.getSpec().getBackends())
        .extracting(TrafficSplitBackend::getWeight)
        .containsExactly(weightA, weightB);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "'\"-1\"'",
    "'\"1Ki\"'",
    "'\"1e3\"'",
    "'\"0.0001\"'",
    "'\"99999999999\"'",
    "'\"heavy\"'",
    "'\"1.5m\"'",
    "'1.5'",
  })
  void v1alpha1WeightsThatAreNoWeightAreReportedOnTheField(String weight) {
    TrafficSplit split = v1alpha1Split(weight, "\"1\"");
    assertThat(SmiValidator.validate(split))
        .singleElement()
        .satisfies(p -> assertThat(p.field()).isEqualTo("spec.backends[0].weight"));
  }

  @Test
  void v1alpha2SplitKeepsItsWeightsAndHasNoMatches() {
    TrafficSplit split =
        (TrafficSplit) SmiKinds.unmarshal(serialization, sample("trafficsplit-v1alpha2.yaml"));

    assertThat(split.getMetadata().getNamespace()).isEqualTo("shop");
    assertThat(split.getSpec().getService()).isEqualTo("foobar");
    assertThat(split.getSpec().getBackends())
        .containsExactly(
            new TrafficSplitBackend("foobar-v1", 1000), new TrafficSplitBackend("foobar-v2", 500));
    assertThat(split.getSpec().getMatches()).isNull();
  }

  @Test
  void v1alpha3SplitFromFlaggerKeepsFqdnRootAndMatch() {
    TrafficSplit split =
        (TrafficSplit) SmiKinds.unmarshal(serialization, sample("trafficsplit-v1alpha3.yaml"));

    assertThat(split.getSpec().getService()).isEqualTo("podinfo.test.svc.cluster.local");
    assertThat(SmiValidator.serviceName(split.getSpec().getService(), "test")).isEqualTo("podinfo");
    assertThat(split.getSpec().getMatches())
        .containsExactly(new TrafficSplitMatch("HTTPRouteGroup", "podinfo-insiders", null));
    assertThat(split.getMetadata().getOwnerReferences()).hasSize(1);
  }

  @Test
  void v1alpha3RouteGroupKeepsHeaderRegexesAndMethods() {
    HTTPRouteGroup group =
        (HTTPRouteGroup) SmiKinds.unmarshal(serialization, sample("httproutegroup-v1alpha3.yaml"));

    List<HTTPMatch> matches = group.getSpec().getMatches();
    assertThat(matches)
        .extracting(HTTPMatch::getName)
        .containsExactly("android-insiders", "metrics", "health");
    assertThat(matches.get(0).getHeaders())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("user-agent", ".*Android.*", "cookie", "^(.*?;)?(type=insider)(;.*)?$"));
    assertThat(matches.get(0).getPathRegex()).isNull();
    assertThat(matches.get(2).getMethods()).containsExactly("*");
  }

  @Test
  void v1alpha3TcpRouteWithEmptySpecMeansEveryPort() {
    TCPRoute route = (TCPRoute) SmiKinds.unmarshal(serialization, sample("tcproute-v1alpha3.yaml"));

    assertThat(route.getSpec()).isNotNull();
    assertThat(route.getSpec().getMatches()).isNull();
  }

  @Test
  void v1alpha2TargetKeepsDestinationPortAndSources() {
    TrafficTarget target =
        (TrafficTarget) SmiKinds.unmarshal(serialization, sample("traffictarget-v1alpha2.yaml"));

    assertThat(target.getSpec().getDestination())
        .isEqualTo(new IdentityBindingSubject("ServiceAccount", "api-service", "default", 8080));
    assertThat(target.getSpec().getRules())
        .containsExactly(
            new TrafficTargetRule("HTTPRouteGroup", "api-service-routes", List.of("api")));
    assertThat(target.getSpec().getSources())
        .extracting(IdentityBindingSubject::getName)
        .containsExactly("website-service", "payments-service");
  }

  @Test
  void sourceWithoutNamespaceDefaultsToTheTargetsNamespace() {
    TrafficTarget target =
        (TrafficTarget) SmiKinds.unmarshal(serialization, sample("traffictarget-v1alpha3.yaml"));

    IdentityBindingSubject source = target.getSpec().getSources().get(0);
    assertThat(source.getNamespace()).isNull();
    assertThat(SmiValidator.subjectNamespace(source, target)).isEqualTo("shop");
  }

  @Test
  void unknownFieldsAreIgnoredAtEveryLevel() {
    String yaml =
        """
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: s, namespace: shop}
        spec:
          service: echo
          futureTopLevel: {a: 1}
          backends:
          - service: echo-v1
            weight: 1
            futureBackendField: [x, y]
          matches:
          - kind: HTTPRouteGroup
            name: g
            futureMatchField: true
        status:
          futureStatus: ok
        """;

    TrafficSplit split = (TrafficSplit) SmiKinds.unmarshal(serialization, yaml);

    assertThat(split.getSpec())
        .isEqualTo(
            new TrafficSplitSpec(
                "echo",
                List.of(new TrafficSplitBackend("echo-v1", 1)),
                List.of(new TrafficSplitMatch("HTTPRouteGroup", "g", null))));
  }

  @Test
  @SuppressWarnings("deprecation") // the static Serialization is what older callers still use
  void currentVersionsAlsoReadThroughTheStaticSerializationViaServiceLoader() {
    Object read = Serialization.unmarshal(sample("trafficsplit-v1alpha4.yaml"));

    assertThat(read).isInstanceOf(TrafficSplit.class);
  }

  @Test
  void olderVersionsNeedRegistrationWhichIsWhatSmiKindsAddsToAPlainSerialization() {
    KubernetesSerialization plain = new KubernetesSerialization();
    String yaml = sample("trafficsplit-v1alpha2.yaml");

    assertThat(plain.<Object>unmarshal(yaml)).isInstanceOf(GenericKubernetesResource.class);
    assertThat(SmiKinds.unmarshal(plain, yaml)).isInstanceOf(TrafficSplit.class);
    assertThat(plain.<Object>unmarshal(yaml)).isInstanceOf(TrafficSplit.class);
  }

  @Test
  void nonSmiDocumentsStillReadAsFabric8Knows() {
    String yaml =
        """
        apiVersion: v1
        kind: Service
        metadata: {name: echo, namespace: shop}
        spec:
          ports: [{port: 80}]
        """;

    assertThat(SmiKinds.unmarshal(serialization, yaml)).isInstanceOf(Service.class);
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
    "split.smi-spec.io/v1alpha1, TrafficSplit, TrafficSplit",
    "split.smi-spec.io/v1alpha2, TrafficSplit, TrafficSplit",
    "split.smi-spec.io/v1alpha3, TrafficSplit, TrafficSplit",
    "split.smi-spec.io/v1alpha4, TrafficSplit, TrafficSplit",
    "specs.smi-spec.io/v1alpha3, HTTPRouteGroup, HTTPRouteGroup",
    "specs.smi-spec.io/v1alpha4, TCPRoute, TCPRoute",
    "specs.smi-spec.io/v1alpha4, UDPRoute, UDPRoute",
    "access.smi-spec.io/v1alpha2, TrafficTarget, TrafficTarget",
    "access.smi-spec.io/v1alpha3, TrafficTarget, TrafficTarget",
    "split.smi-spec.io/v1alpha0, TrafficSplit, ",
    "specs.smi-spec.io/v1alpha2, HTTPRouteGroup, ",
    "access.smi-spec.io/v1alpha4, TrafficTarget, ",
    "split.smi-spec.io/v1alpha4, HTTPRouteGroup, ",
    ", TrafficSplit, ",
    "split.smi-spec.io/v1alpha4, , ",
  })
  void modelForMapsEveryAcceptedVersionAndNothingElse(
      String apiVersion, String kind, String model) {
    Map<String, Class<?>> models =
        Map.of(
            "TrafficSplit", TrafficSplit.class,
            "HTTPRouteGroup", HTTPRouteGroup.class,
            "TCPRoute", TCPRoute.class,
            "UDPRoute", UDPRoute.class,
            "TrafficTarget", TrafficTarget.class);
    if (model == null) {
      assertThat(SmiKinds.modelFor(apiVersion, kind)).isEmpty();
    } else {
      assertThat(SmiKinds.modelFor(apiVersion, kind).<Class<?>>map(c -> c))
          .contains(models.get(model));
    }
  }

  @Test
  void apiVersionsOfListsCurrentFirst() {
    assertThat(SmiKinds.apiVersionsOf("TrafficSplit"))
        .containsExactly(
            "split.smi-spec.io/v1alpha4",
            "split.smi-spec.io/v1alpha3",
            "split.smi-spec.io/v1alpha2",
            "split.smi-spec.io/v1alpha1");
    assertThat(SmiKinds.apiVersionsOf("TrafficTarget"))
        .containsExactly("access.smi-spec.io/v1alpha3", "access.smi-spec.io/v1alpha2");
    assertThat(SmiKinds.apiVersionsOf("Service")).isEmpty();
    assertThat(SmiKinds.apiVersionsOf(null)).isEmpty();
  }

  @Test
  void modelsCarryTheCurrentVersionsAndNames() {
    assertThat(new TrafficSplit().getApiVersion()).isEqualTo(SmiKinds.SPLIT_API_VERSION);
    assertThat(new HTTPRouteGroup().getApiVersion()).isEqualTo(SmiKinds.SPECS_API_VERSION);
    assertThat(new TCPRoute().getKind()).isEqualTo("TCPRoute");
    assertThat(new UDPRoute().getPlural()).isEqualTo("udproutes");
    assertThat(new TrafficTarget().getApiVersion()).isEqualTo(SmiKinds.ACCESS_API_VERSION);
    assertThat(new TrafficTarget().getScope()).isEqualTo("Namespaced");
    assertThat(SmiKinds.MODELS).hasSize(SmiKinds.kinds().size());
  }

  @Test
  void allWeightsZeroIsAHelperNotAJsonProperty() {
    TrafficSplitSpec spec =
        new TrafficSplitSpec(
            "echo",
            List.of(new TrafficSplitBackend("a", 0), new TrafficSplitBackend("b", 0)),
            null);

    assertThat(spec.allWeightsZero()).isTrue();
    assertThat(serialization.asJson(spec)).doesNotContain("allWeightsZero");
    spec.getBackends().get(1).setWeight(1);
    assertThat(spec.allWeightsZero()).isFalse();
  }

  @Test
  void unmarshalRejectsAnythingButOneObject() {
    assertThatThrownBy(() -> SmiKinds.unmarshal(serialization, "just: a map\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "expected one Kubernetes object, got no apiVersion and kind (read as RawExtension);"
                + " use SmiKinds.unmarshalAll");
    String two = sample("trafficsplit-v1alpha2.yaml") + "---\n" + sample("tcproute-v1alpha3.yaml");
    assertThatThrownBy(() -> SmiKinds.unmarshal(serialization, two))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got a list of 2 documents");
    assertThatThrownBy(() -> SmiKinds.unmarshal(serialization, " \n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected YAML or JSON text, got nothing");
  }

  @Test
  void unmarshalAllReadsAFileOfMixedVersionsListsAndComments() {
    String file =
        "# shop mesh policy\n---\n"
            + sample("trafficsplit-v1alpha2.yaml")
            + "--- # the route group\n"
            + sample("httproutegroup-v1alpha3.yaml")
            + "---\n# nothing here\n---\n"
            + """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: access.smi-spec.io/v1alpha2
              kind: TrafficTarget
              metadata: {name: t, namespace: shop}
              spec:
                destination: {kind: ServiceAccount, name: api}
                rules: [{kind: TCPRoute, name: r}]
                sources: [{kind: ServiceAccount, name: web}]
            - apiVersion: v1
              kind: Service
              metadata: {name: echo, namespace: shop}
            """
            + "---\n"
            + "{\"apiVersion\": \"specs.smi-spec.io/v1alpha4\", \"kind\": \"UDPRoute\","
            + " \"metadata\": {\"name\": \"u\"}, \"spec\": {\"matches\": {\"ports\": [53]}}}\n";

    List<HasMetadata> objects = SmiKinds.unmarshalAll(new KubernetesSerialization(), file);

    assertThat(objects)
        .extracting(o -> o.getClass().getSimpleName() + " " + o.getMetadata().getName())
        .containsExactly(
            "TrafficSplit foobar-rollout",
            "HTTPRouteGroup the-routes",
            "TrafficTarget t",
            "Service echo",
            "UDPRoute u");
  }

  @Test
  void unmarshalAllNamesTheDocumentThatIsNotAnObject() {
    String file = sample("tcproute-v1alpha4.yaml") + "---\nname: [unclosed\n";

    assertThatThrownBy(() -> SmiKinds.unmarshalAll(serialization, file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("document 2: ");
    assertThatThrownBy(
            () ->
                SmiKinds.unmarshalAll(
                    serialization, sample("tcproute-v1alpha4.yaml") + "---\na: 1\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "document 2: not a Kubernetes object (no apiVersion and kind (read as RawExtension))");
  }

  @Test
  void aListWithoutItemsIsEmpty() {
    assertThat(SmiKinds.unmarshalAll(serialization, "apiVersion: v1\nkind: List\n")).isEmpty();
    assertThat(SmiKinds.unmarshalAll(serialization, "apiVersion: v1\nkind: List\nitems: null\n"))
        .isEmpty();
  }

  @Test
  void aYamlAliasInsideItsOwnAnchorIsRefusedNamingTheDocument() {
    String file = sample("tcproute-v1alpha4.yaml") + "---\nkind: List\nitems: &i [*i]\n";

    assertThatThrownBy(() -> SmiKinds.unmarshalAll(serialization, file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("document 2: " + SmiKinds.TOO_DEEP);
  }

  @Test
  void unknownKindsComeBackGenericSoCallersCanReportThem() {
    HasMetadata read =
        SmiKinds.unmarshal(
            serialization, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");

    assertThat(read).isInstanceOf(GenericKubernetesResource.class);
    assertThat(SmiKinds.isAccepted(read.getApiVersion(), read.getKind())).isFalse();
  }
}
