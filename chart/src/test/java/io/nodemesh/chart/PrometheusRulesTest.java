package io.nodemesh.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The shipped Prometheus rules (chart/rules/nodemesh-rules.yaml): valid for the real Prometheus
 * ({@code promtool check rules}), every rule exercised by promtool's unit tests ({@code promtool
 * test rules} on src/test/resources/rules/nodemesh-rules.test.yaml, and a check that each rule is
 * named there), and the chart's PrometheusRule carries exactly the file's groups.
 */
class PrometheusRulesTest {
  private static final Path RULES = Rendered.chartDir().resolve("rules/nodemesh-rules.yaml");
  private static final Path TESTS =
      Rendered.chartDir().resolve("src/test/resources/rules/nodemesh-rules.test.yaml");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void promtoolChecksTheRulesAndTheirUnitTestsPass() throws Exception {
    String promtool = promtool();
    assertThat(run(promtool, "check", "rules", RULES.toString())).contains("SUCCESS");
    assertThat(run(promtool, "test", "rules", TESTS.toString())).contains("SUCCESS");
  }

  @Test
  void everyRuleIsNamedInAUnitTest() throws IOException {
    JsonNode tests = YAML.readTree(TESTS.toFile());
    List<String> alertsTested = new ArrayList<>();
    List<String> exprsTested = new ArrayList<>();
    for (JsonNode t : tests.path("tests")) {
      t.path("alert_rule_test").forEach(a -> alertsTested.add(a.path("alertname").asText()));
      t.path("promql_expr_test").forEach(e -> exprsTested.add(e.path("expr").asText()));
    }
    List<String> alerts = new ArrayList<>();
    List<String> records = new ArrayList<>();
    for (JsonNode group : YAML.readTree(RULES.toFile()).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (rule.has("alert")) {
          alerts.add(rule.path("alert").asText());
        } else {
          records.add(rule.path("record").asText());
        }
      }
    }
    assertThat(alerts).hasSizeGreaterThanOrEqualTo(8);
    assertThat(alertsTested).containsAll(alerts);
    for (String record : records) {
      assertThat(exprsTested)
          .as("a promql_expr_test of " + record)
          .anyMatch(e -> e.contains(record));
    }
    // Each alert is seen both firing and quiet.
    for (String alert : alerts) {
      List<JsonNode> cases = new ArrayList<>();
      tests
          .path("tests")
          .forEach(
              t ->
                  t.path("alert_rule_test")
                      .forEach(
                          a -> {
                            if (a.path("alertname").asText().equals(alert)) {
                              cases.add(a);
                            }
                          }));
      assertThat(cases).as(alert + " firing").anyMatch(a -> !a.path("exp_alerts").isEmpty());
      assertThat(cases).as(alert + " quiet").anyMatch(a -> a.path("exp_alerts").isEmpty());
    }
  }

  @Test
  void thePrometheusRuleIsTheRulesFileBehindAValue() throws IOException {
    assertThat(Rendered.render(Map.of()).ofKind("PrometheusRule")).isEmpty();
    JsonNode rule =
        Rendered.render(
                Map.of("prometheusRule.enabled", "true", "prometheusRule.labels.release", "kps"))
            .get("PrometheusRule", "nodemesh");
    assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.path("metadata").path("namespace").asText()).isEqualTo(Rendered.NAMESPACE);
    assertThat(rule.path("metadata").path("labels").path("release").asText()).isEqualTo("kps");
    assertThat(rule.path("spec").path("groups"))
        .isEqualTo(YAML.readTree(RULES.toFile()).path("groups"));
  }

  /**
   * promtool from Debian's prometheus package (.ci/run installs it). Missing in CI is a failure;
   * elsewhere the test is skipped with how to get it.
   */
  private static String promtool() {
    String found =
        Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
            .map(d -> Path.of(d, "promtool"))
            .filter(Files::isExecutable)
            .map(Path::toString)
            .findFirst()
            .orElse(null);
    if (found == null) {
      assertThat(System.getenv("CI"))
          .as("promtool is missing in CI (.ci/run must install Debian's prometheus package)")
          .isNull();
      Assumptions.abort("promtool is not installed: apt-get install prometheus (.ci/run does)");
    }
    return found;
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
    return out;
  }
}
