package io.nodemesh.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * values.schema.json: Helm checks the values against it before rendering (install, upgrade,
 * template, lint), so a wrong value fails with a message naming it instead of a broken pod.
 */
class ValuesSchemaTest {
  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "acl | yes | acl",
        "controller.replicas | two | replicas",
        "controller.port | 70000 | port",
        "proxy.adminPort | admin | adminPort",
        "proxy.terminationGracePeriodSeconds | -1 | terminationGracePeriodSeconds",
        "proxy.drainDelaySeconds | soon | drainDelaySeconds",
        "proxy.updateStrategy.maxSurge | many | maxSurge",
        "image.pullPolicy | Sometimes | pullPolicy",
        "image.digest | latest | digest",
        "defaultTrafficType | quic | defaultTrafficType",
        "logFormat | xml | logFormat",
        "metrics.serviceMonitor.enabled | sure | enabled",
        "tracing.sampleRatio | 2 | sampleRatio",
        "dns.patch.timeoutSeconds | 0 | timeoutSeconds",
        "runAsUser | 0 | runAsUser",
      })
  void aWrongValueFailsNamingIt(String key, String value, String named) {
    assertThatThrownBy(() -> Rendered.render(Map.of(key, value)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(named);
  }

  @Test
  void aMistypedKeyInAClosedSectionFails() {
    assertThatThrownBy(() -> Rendered.render(Map.of("image.tga", "1.0")))
        .hasMessageContaining("tga");
    assertThatThrownBy(() -> Rendered.render(Map.of("proxy.limits.maxHeaders", 10)))
        .hasMessageContaining("maxHeaders");
  }

  @Test
  void theDefaultsAndEveryFeatureValuePass() {
    assertThat(Rendered.render(Map.of()).objects()).isNotEmpty();
    String all =
        new Helm(Rendered.chartDir())
            .template()
            .withName(Rendered.RELEASE)
            .withNamespace(Rendered.NAMESPACE)
            .withKubeVersion(Rendered.KUBE_VERSION)
            .withValuesFile(InstallChartTest.ALL_FEATURES)
            .call();
    assertThat(Rendered.parse(all).objects()).isNotEmpty();
    assertThat(new Helm(Rendered.chartDir()).lint().strict().call().isFailed()).isFalse();
  }

  /**
   * Every value in values.yaml is described by the schema: walking both trees, each key of a values
   * object has a schema property, down to the free-form maps (resources, env, labels).
   */
  @Test
  void theSchemaCoversEveryValue() throws IOException {
    JsonNode values =
        new YAMLMapper().readTree(Rendered.chartDir().resolve("values.yaml").toFile());
    JsonNode schema =
        new ObjectMapper().readTree(Rendered.chartDir().resolve("values.schema.json").toFile());
    List<String> missing = new ArrayList<>();
    walk("", values, schema, missing);
    assertThat(missing).as("values without a schema property").isEmpty();
  }

  private static void walk(String path, JsonNode values, JsonNode schema, List<String> missing) {
    if (!values.isObject() || !schema.has("properties")) {
      return;
    }
    JsonNode props = schema.path("properties");
    for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      if (!props.has(e.getKey())) {
        missing.add(key);
        continue;
      }
      assertThat(props.path(e.getKey()).has("type")).as(key + " has a type").isTrue();
      walk(key, e.getValue(), props.path(e.getKey()), missing);
    }
  }
}
