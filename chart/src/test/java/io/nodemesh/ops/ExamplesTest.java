package io.nodemesh.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The example YAML hangs together: every reference (EndpointSlice to Service, split to backends,
 * Service selector to pod labels, named target port to container port) points at something that
 * exists, so a renamed object cannot silently break the demo or the cluster example.
 */
class ExamplesTest {
  private static final Path EXAMPLES =
      Path.of(System.getProperty("nodemesh.chart.dir", ".")).getParent().resolve("examples");
  private static final ObjectMapper YAML = new YAMLMapper();

  @Test
  void demoServicesEachHaveAnEndpointSliceOnTheDemoBackends() throws IOException {
    List<JsonNode> objects = load(EXAMPLES.resolve("demo"));
    Map<String, JsonNode> services = byName(objects, "Service");
    assertThat(services).containsOnlyKeys("whoami", "whoami-v1", "whoami-v2");

    Map<String, String> endpointBySlice = new HashMap<>();
    for (JsonNode slice : ofKind(objects, "EndpointSlice")) {
      assertThat(slice.path("apiVersion").asText()).isEqualTo("discovery.k8s.io/v1");
      String service =
          slice.path("metadata").path("labels").path("kubernetes.io/service-name").asText();
      assertThat(services).as("slice " + name(slice)).containsKey(service);
      // Slice ports are joined to Service ports by name.
      assertThat(slice.path("ports").path(0).path("name").asText())
          .isEqualTo(
              services.get(service).path("spec").path("ports").path(0).path("name").asText());
      endpointBySlice.put(
          service,
          slice.path("endpoints").path(0).path("addresses").path(0).asText()
              + ":"
              + slice.path("ports").path(0).path("port").asInt());
    }
    // The addresses `nodemesh demo` starts its v1 and v2 backends on (cli DemoCommand).
    assertThat(endpointBySlice)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "whoami", "127.0.0.1:18101",
                "whoami-v1", "127.0.0.1:18101",
                "whoami-v2", "127.0.0.1:18102"));

    assertSplit(objects, services);
  }

  @Test
  void clusterExampleSelectorsAndPortsPointAtThePods() throws IOException {
    List<JsonNode> objects = load(EXAMPLES.resolve("kubernetes"));
    Map<String, JsonNode> services = byName(objects, "Service");
    List<JsonNode> deployments = ofKind(objects, "Deployment");
    assertThat(deployments).hasSize(2);
    for (JsonNode svc : services.values()) {
      JsonNode selector = svc.path("spec").path("selector");
      List<JsonNode> selected =
          deployments.stream()
              .filter(
                  d ->
                      matches(
                          selector,
                          d.path("spec").path("template").path("metadata").path("labels")))
              .toList();
      assertThat(selected).as("pods selected by Service " + name(svc)).isNotEmpty();
      String targetPort = svc.path("spec").path("ports").path(0).path("targetPort").asText();
      for (JsonNode d : selected) {
        assertThat(
                d.path("spec")
                    .path("template")
                    .path("spec")
                    .path("containers")
                    .path(0)
                    .path("ports")
                    .toString())
            .as("container port named " + targetPort + " in " + name(d))
            .contains("\"name\":\"" + targetPort + "\"");
      }
    }
    assertThat(
            matches(
                services.get("whoami").path("spec").path("selector"),
                deployments.get(0).path("spec").path("template").path("metadata").path("labels")))
        .isTrue();
    assertSplit(objects, services);
    JsonNode client = byName(objects, "Pod").get("client");
    assertThat(client.path("spec").toString()).contains("http://whoami.demo.mesh/");
  }

  private static void assertSplit(List<JsonNode> objects, Map<String, JsonNode> services) {
    List<JsonNode> splits = ofKind(objects, "TrafficSplit");
    assertThat(splits).hasSize(1);
    JsonNode split = splits.getFirst();
    assertThat(split.path("apiVersion").asText()).isEqualTo("split.smi-spec.io/v1alpha4");
    assertThat(services).containsKey(split.path("spec").path("service").asText());
    Map<String, Integer> weights = new HashMap<>();
    for (JsonNode b : split.path("spec").path("backends")) {
      assertThat(services).containsKey(b.path("service").asText());
      weights.put(b.path("service").asText(), b.path("weight").asInt());
    }
    assertThat(weights)
        .containsExactlyInAnyOrderEntriesOf(Map.of("whoami-v1", 90, "whoami-v2", 10));
  }

  private static boolean matches(JsonNode selector, JsonNode labels) {
    if (!selector.isObject() || selector.isEmpty()) {
      return false;
    }
    for (Map.Entry<String, JsonNode> e : selector.properties()) {
      if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
        return false;
      }
    }
    return true;
  }

  /** Every document of every YAML file in {@code dir}, each checked to be a namespaced object. */
  private static List<JsonNode> load(Path dir) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    for (Path f : files) {
      try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
        while (docs.hasNext()) {
          JsonNode doc = docs.next();
          if (doc == null || doc.isNull() || doc.isMissingNode()) {
            continue;
          }
          assertThat(doc.path("apiVersion").asText()).as(f + ": apiVersion").isNotEmpty();
          assertThat(doc.path("kind").asText()).as(f + ": kind").isNotEmpty();
          assertThat(doc.path("metadata").path("name").asText()).as(f + ": name").isNotEmpty();
          if (!doc.path("kind").asText().equals("Namespace")) {
            assertThat(doc.path("metadata").path("namespace").asText())
                .as(f + ": " + name(doc))
                .isEqualTo("demo");
          }
          out.add(doc);
        }
      }
    }
    return out;
  }

  private static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  private static Map<String, JsonNode> byName(List<JsonNode> objects, String kind) {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode o : ofKind(objects, kind)) {
      out.put(o.path("metadata").path("name").asText(), o);
    }
    return out;
  }

  private static String name(JsonNode o) {
    return o.path("kind").asText() + " " + o.path("metadata").path("name").asText();
  }
}
