package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.container;
import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How a proxy pod stops: the preStop sleep action where the cluster has it (Kubernetes 1.30+), the
 * proxy's own drain delay (--drain-delay) for the rest, both inside the grace period. The draining
 * itself is proven on a real proxy process by node-proxy's DrainDelayIT.
 */
class ProxyDrainChartTest {
  static JsonNode proxy(String kubeVersion, Map<String, Object> values) {
    TemplateCommand t =
        new Helm(Rendered.chartDir())
            .template()
            .withName(Rendered.RELEASE)
            .withNamespace(Rendered.NAMESPACE)
            .withKubeVersion(kubeVersion);
    values.forEach(t::set);
    return container(Rendered.parse(t.call()).get("DaemonSet", "nodemesh-proxy"));
  }

  static String drainDelayArg(JsonNode proxy) {
    return texts(proxy.path("args")).stream()
        .filter(a -> a.startsWith("--drain-delay="))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void onKubernetes130AndLaterThePodSleepsThenTheProxyDrains() {
    JsonNode c = proxy("1.30.0", Map.of());
    JsonNode preStop = c.path("lifecycle").path("preStop");
    assertThat(preStop.path("sleep").path("seconds").asInt()).isEqualTo(5);
    assertThat(preStop.has("exec")).as("no exec hook: the image has no sleep binary").isFalse();
    // 30 s grace - 5 s sleep - 15 s for the drain and the exit.
    assertThat(drainDelayArg(c)).isEqualTo("--drain-delay=10s");
  }

  @Test
  void olderClustersGetNoHookAndTheProxyKeepsAcceptingForTheSleepsSecondsToo() {
    JsonNode c = proxy("1.29.4", Map.of());
    assertThat(c.has("lifecycle")).isFalse();
    assertThat(drainDelayArg(c)).isEqualTo("--drain-delay=15s");
  }

  @Test
  void theDelayFollowsTheGracePeriodAndCanBeSet() {
    assertThat(drainDelayArg(proxy("1.31.0", Map.of("proxy.terminationGracePeriodSeconds", 60))))
        .isEqualTo("--drain-delay=40s");
    assertThat(drainDelayArg(proxy("1.31.0", Map.of("proxy.terminationGracePeriodSeconds", 10))))
        .as("never negative")
        .isEqualTo("--drain-delay=0s");
    JsonNode set = proxy("1.31.0", Map.of("proxy.drainDelaySeconds", 3));
    assertThat(drainDelayArg(set)).isEqualTo("--drain-delay=3s");
    JsonNode noSleep = proxy("1.31.0", Map.of("proxy.preStopSleepSeconds", 0));
    assertThat(noSleep.has("lifecycle")).isFalse();
    assertThat(drainDelayArg(noSleep)).isEqualTo("--drain-delay=15s");
  }

  @Test
  void aDelayThatDoesNotFitTheGracePeriodIsRefused() {
    assertThatThrownBy(() -> proxy("1.31.0", Map.of("proxy.drainDelaySeconds", 20)))
        .hasMessageContaining(
            "proxy.drainDelaySeconds (20) + preStop sleep (5) + 15 s to drain must fit in"
                + " proxy.terminationGracePeriodSeconds (30)");
  }
}
