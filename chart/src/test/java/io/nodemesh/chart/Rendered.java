package io.nodemesh.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.StreamSupport;

/** The objects {@code helm template} produced for one set of values, with finders for tests. */
record Rendered(String manifest, List<JsonNode> objects) {
  static final String RELEASE = "nodemesh";
  static final String NAMESPACE = "nodemesh";
  // helm-java defaults to Kubernetes 1.20, older than the chart's kubeVersion floor.
  static final String KUBE_VERSION = "1.31.0";

  /**
   * Values of an install without workload identity and node-to-node mTLS (both on by default since
   * issue 14); the chart fails on identity without the other.
   */
  static final Map<String, Object> NO_IDENTITY =
      Map.of("identity.enabled", "false", "mtls.mode", "off");

  /** Values of an install whose controller API is plain HTTP: identity and mTLS off as well. */
  static final Map<String, Object> NO_TLS =
      Map.of("controller.tls.enabled", "false", "identity.enabled", "false", "mtls.mode", "off");

  private static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());

  Rendered {
    objects = List.copyOf(objects);
  }

  static Path chartDir() {
    return Path.of(System.getProperty("nodemesh.chart.dir", ".")).toAbsolutePath().normalize();
  }

  /** Renders the chart with its defaults overridden by {@code values} (Helm {@code --set}). */
  static Rendered render(Map<String, Object> values) {
    TemplateCommand template =
        new Helm(chartDir())
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION);
    values.forEach(template::set);
    return parse(template.call());
  }

  static Rendered parse(String manifest) {
    List<JsonNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(manifest)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        // Empty documents ("---" followed by nothing) come back as null or missing nodes.
        if (doc != null && doc.isObject() && doc.has("kind")) {
          objects.add(doc);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("rendered chart is not YAML:\n" + manifest, e);
    }
    return new Rendered(manifest, objects);
  }

  List<JsonNode> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  JsonNode get(String kind, String name) {
    return objects.stream()
        .filter(o -> kind.equals(o.path("kind").asText()))
        .filter(o -> name.equals(o.path("metadata").path("name").asText()))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException("no " + kind + " named " + name));
  }

  /** The first object of this kind in this namespace. */
  JsonNode inNamespace(String kind, String namespace) {
    return inNamespace(ofKind(kind), namespace);
  }

  /** The first of these objects that lives in this namespace. */
  static JsonNode inNamespace(List<JsonNode> objects, String namespace) {
    return objects.stream()
        .filter(o -> o.path("metadata").path("namespace").asText().equals(namespace))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException("nothing in namespace " + namespace));
  }

  /** The {@code minAvailable} of the PodDisruptionBudget of this name. */
  int minAvailable(String pdb) {
    return get("PodDisruptionBudget", pdb).path("spec").path("minAvailable").asInt();
  }

  /** The labels of a workload's pod template. */
  static JsonNode podLabels(JsonNode workload) {
    return workload.path("spec").path("template").path("metadata").path("labels");
  }

  /** The first container of a workload's pod template. */
  static JsonNode container(JsonNode workload) {
    return workload.path("spec").path("template").path("spec").path("containers").path(0);
  }

  static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }
}
