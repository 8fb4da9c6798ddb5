package io.nodemesh.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Flagger and Argo Rollouts templates of examples/flagger and examples/argo-rollouts (shown in
 * docs/flagger.md): they parse, what they refer to exists in the same files, and every PromQL query
 * names only metrics and labels that docs/metrics.md lists for that metric. That the queries return
 * the canary's numbers from a real Prometheus is FlaggerCanaryIT's part (cli module).
 */
class CanaryExamplesTest {
  private static final Path EXAMPLES = Rendered.chartDir().resolve("../examples").normalize();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  // A selector with its matchers: nodemesh_requests_total{namespace="x", code_class!="5xx"}.
  private static final Pattern SELECTOR = Pattern.compile("\\b(nodemesh_[a-z0-9_]+)\\{([^}]*)}");
  private static final Pattern MATCHER =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)");

  @Test
  void flaggerCanaryUsesTheSmiProviderAndItsMetricTemplates() throws IOException {
    List<JsonNode> docs = read("flagger");
    JsonNode canary = one(docs, "Canary");
    assertThat(canary.path("apiVersion").asText()).isEqualTo("flagger.app/v1beta1");
    assertThat(canary.path("spec").path("provider").asText())
        .isIn("smi", "smi:v1alpha2", "smi:v1alpha3");
    JsonNode analysis = canary.path("spec").path("analysis");
    assertThat(analysis.path("stepWeight").asInt()).isPositive();
    assertThat(analysis.path("maxWeight").asInt())
        .isBetween(analysis.path("stepWeight").asInt(), 100);
    Set<String> templates = new HashSet<>();
    for (JsonNode t : ofKind(docs, "MetricTemplate")) {
      templates.add(t.path("metadata").path("name").asText());
      assertThat(t.path("spec").path("provider").path("type").asText()).isEqualTo("prometheus");
    }
    assertThat(analysis.path("metrics")).hasSize(2);
    for (JsonNode m : analysis.path("metrics")) {
      assertThat(templates).contains(m.path("templateRef").path("name").asText());
      assertThat(m.path("thresholdRange").isObject()).isTrue();
    }
    // The load goes through the mesh name of the apex Service, so it meets the split.
    assertThat(analysis.path("webhooks").path(0).path("metadata").path("cmd").asText())
        .contains("http://podinfo.test.mesh:9898/");
  }

  @Test
  void argoRolloutRoutesThroughSmiAndPassesEveryArgumentItsAnalysisNeeds() throws IOException {
    List<JsonNode> docs = read("argo-rollouts");
    JsonNode rollout = one(docs, "Rollout");
    JsonNode canary = rollout.path("spec").path("strategy").path("canary");
    Set<String> services = new HashSet<>();
    ofKind(docs, "Service").forEach(s -> services.add(s.path("metadata").path("name").asText()));
    assertThat(services)
        .contains(
            canary.path("stableService").asText(),
            canary.path("canaryService").asText(),
            canary.path("trafficRouting").path("smi").path("rootService").asText());
    JsonNode template = one(docs, "AnalysisTemplate");
    assertThat(canary.path("analysis").path("templates").path(0).path("templateName").asText())
        .isEqualTo(template.path("metadata").path("name").asText());
    Set<String> passed = new HashSet<>();
    canary.path("analysis").path("args").forEach(a -> passed.add(a.path("name").asText()));
    List<String> needed = new ArrayList<>();
    template.path("spec").path("args").forEach(a -> needed.add(a.path("name").asText()));
    assertThat(passed).containsExactlyInAnyOrderElementsOf(needed);
    for (JsonNode m : template.path("spec").path("metrics")) {
      Matcher args = Pattern.compile("\\{\\{args\\.([a-z-]+)}}").matcher(query(m));
      while (args.find()) {
        assertThat(needed).contains(args.group(1));
      }
    }
  }

  @Test
  void everyQueryNamesMetricsAndLabelsTheProxyExports() throws IOException {
    Map<String, Set<String>> documented = MetricsDoc.labels();
    assertThat(documented)
        .containsKeys("nodemesh_requests_total", "nodemesh_request_duration_seconds");
    List<String> queries = new ArrayList<>();
    ofKind(read("flagger"), "MetricTemplate")
        .forEach(t -> queries.add(t.path("spec").path("query").asText()));
    for (JsonNode m : one(read("argo-rollouts"), "AnalysisTemplate").path("spec").path("metrics")) {
      queries.add(query(m));
    }
    assertThat(queries).hasSize(4);
    for (String template : queries) {
      // Flagger's {{ namespace }} and Argo's {{args.x}} stand for label values.
      String q = template.replaceAll("\\{\\{[^}]*}}", "v");
      Matcher s = SELECTOR.matcher(q);
      int selectors = 0;
      while (s.find()) {
        selectors++;
        String metric = s.group(1);
        String family = metric.replaceFirst("_(bucket|count|sum)$", "");
        assertThat(documented).as("%s in docs/metrics.md", metric).containsKey(family);
        Set<String> labels = new HashSet<>(documented.get(family));
        if (!family.equals(metric)) {
          labels.add("le");
        }
        Matcher l = MATCHER.matcher(s.group(2));
        while (l.find()) {
          assertThat(labels).as("label %s of %s", l.group(1), metric).contains(l.group(1));
        }
        // The canary alone: every selector names the backend.
        assertThat(s.group(2)).contains("backend=");
      }
      assertThat(selectors).as(q).isPositive();
    }
  }

  private static String query(JsonNode analysisMetric) {
    return analysisMetric.path("provider").path("prometheus").path("query").asText();
  }

  private static List<JsonNode> read(String dir) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (Stream<Path> files = Files.list(EXAMPLES.resolve(dir))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
          while (it.hasNext()) {
            JsonNode d = it.next();
            if (d != null && d.has("kind")) {
              docs.add(d);
            }
          }
        }
      }
    }
    assertThat(docs).as("documents in examples/" + dir).isNotEmpty();
    return docs;
  }

  private static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
  }

  private static JsonNode one(List<JsonNode> docs, String kind) {
    List<JsonNode> found = ofKind(docs, kind);
    assertThat(found).as(kind).hasSize(1);
    return found.get(0);
  }
}
