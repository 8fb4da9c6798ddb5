package io.nodemesh.chart;

import static io.nodemesh.chart.InstallChartTest.PATCHER_RULES_ON_CLUSTER_DNS;
import static io.nodemesh.chart.InstallChartTest.VISIBLE_HOOK;
import static io.nodemesh.chart.InstallChartTest.renderWithHooks;
import static io.nodemesh.chart.InstallChartTest.rules;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's privilege and exposure findings of issue 13: the DNS patcher's rights exist only
 * while its hook Jobs run and cannot restart the cluster DNS, and the NetworkPolicies are on by
 * default with the proxies' admin port open only to Prometheus (and the node).
 */
class ChartSecurityTest {
  private static final String PATCHER = "nodemesh-dns-patcher";
  private static Rendered withHooks;

  @BeforeAll
  static void render(@TempDir Path dir) throws IOException {
    withHooks = renderWithHooks(dir.resolve("defaults"), Map.of(), null);
  }

  static List<JsonNode> patcherObjects(Rendered r) {
    return r.objects().stream()
        .filter(o -> o.path("metadata").path("name").asText().equals(PATCHER))
        .toList();
  }

  static String kindAndNamespace(JsonNode o) {
    return o.path("kind").asText() + " " + o.path("metadata").path("namespace").asText();
  }

  static String annotation(JsonNode o, String key) {
    return o.path("metadata").path("annotations").path(key).asText(null);
  }

  @Test
  void thePatchersRightsAreHooksThatComeBeforeTheJobsAndGoWithThem() {
    List<JsonNode> objects = patcherObjects(withHooks);
    assertThat(objects)
        .extracting(ChartSecurityTest::kindAndNamespace)
        .containsExactlyInAnyOrder(
            "ServiceAccount nodemesh",
            "Role kube-system",
            "RoleBinding kube-system",
            "Role nodemesh",
            "RoleBinding nodemesh");
    int jobWeight =
        Integer.parseInt(
            annotation(withHooks.get("Job", "nodemesh-prepare"), VISIBLE_HOOK + "-weight"));
    for (JsonNode o : objects) {
      String what = kindAndNamespace(o);
      // Every event a Job runs on: install, upgrade (prepare) and delete (cleanup).
      assertThat(annotation(o, VISIBLE_HOOK))
          .as(what)
          .isEqualTo("post-install,post-upgrade,pre-delete");
      assertThat(Integer.parseInt(annotation(o, VISIBLE_HOOK + "-weight")))
          .as(what)
          .isLessThan(jobWeight);
      assertThat(annotation(o, VISIBLE_HOOK + "-delete-policy"))
          .as(what)
          .isEqualTo("before-hook-creation,hook-succeeded");
    }
  }

  @Test
  void anInstalledReleaseHoldsNoPatcherRights() {
    // What helm install keeps as release objects (hooks left out, as Helm's own manifest does).
    Rendered release = Rendered.render(Map.of());

    assertThat(patcherObjects(release)).isEmpty();
    assertThat(release.objects())
        .noneMatch(o -> o.path("metadata").path("namespace").asText().equals("kube-system"));
  }

  @Test
  void thePatcherCanReadButNeverWriteTheClusterDnsDeployment() {
    JsonNode inDns = withHooks.inNamespace("Role", "kube-system");

    assertThat(rules(inDns)).containsExactlyElementsOf(PATCHER_RULES_ON_CLUSTER_DNS);
    for (JsonNode role : withHooks.ofKind("Role")) {
      for (JsonNode rule : role.path("rules")) {
        if (Rendered.texts(rule.path("resources")).contains("deployments")) {
          assertThat(Rendered.texts(rule.path("verbs"))).isSubsetOf("get", "list", "watch");
        }
      }
    }
  }

  @Test
  void networkPoliciesAreOnByDefault() {
    Rendered defaults = Rendered.render(Map.of());

    assertThat(defaults.ofKind("NetworkPolicy"))
        .extracting(o -> o.path("metadata").path("name").asText())
        .containsExactlyInAnyOrder("nodemesh-controller", "nodemesh-proxy");
  }

  @Test
  void theAdminPortIsOpenOnlyToPrometheusAndTheListenersToAll() {
    Rendered defaults = Rendered.render(Map.of());
    JsonNode np = defaults.get("NetworkPolicy", "nodemesh-proxy");
    JsonNode daemonSet = defaults.get("DaemonSet", "nodemesh-proxy");
    assertThat(np.path("spec").path("podSelector").path("matchLabels"))
        .isEqualTo(daemonSet.path("spec").path("selector").path("matchLabels"));
    assertThat(Rendered.texts(np.path("spec").path("policyTypes"))).containsExactly("Ingress");
    JsonNode ingress = np.path("spec").path("ingress");
    assertThat(ingress).hasSize(4);

    // The listeners: the three port ranges of values.yaml, from anywhere, less the admin port
    // (which the default http range 5000-9999 holds).
    JsonNode listeners = ingress.path(0);
    assertThat(listeners.has("from")).isFalse();
    assertThat(listeners.path("ports").toString())
        .isEqualTo(
            "[{\"port\":5000,\"endPort\":9900,\"protocol\":\"TCP\"},"
                + "{\"port\":9902,\"endPort\":9999,\"protocol\":\"TCP\"},"
                + "{\"port\":10000,\"endPort\":14999,\"protocol\":\"TCP\"},"
                + "{\"port\":15000,\"endPort\":19999,\"protocol\":\"UDP\"}]");
    // Not the admin port.
    for (JsonNode p : listeners.path("ports")) {
      assertThat(9901 >= p.path("port").asInt() && 9901 <= p.path("endPort").asInt())
          .as("admin port 9901 in %s", p)
          .isFalse();
    }

    // The admin port: kube-prometheus-stack's Prometheus pods, in any namespace.
    JsonNode admin = ingress.path(1);
    assertThat(admin.path("ports").toString()).isEqualTo("[{\"port\":9901,\"protocol\":\"TCP\"}]");
    assertThat(admin.path("from").toString())
        .isEqualTo(
            "[{\"namespaceSelector\":{},\"podSelector\":{\"matchLabels\":"
                + "{\"app.kubernetes.io/name\":\"prometheus\"}}}]");

    // The tunnel port from the other proxies only (mtls.mode permissive by default, issue 14).
    JsonNode tunnel = ingress.path(2);
    assertThat(tunnel.path("ports").toString())
        .isEqualTo("[{\"port\":15008,\"protocol\":\"TCP\"}]");
    assertThat(tunnel.path("from").toString())
        .isEqualTo(
            "[{\"podSelector\":{\"matchLabels\":"
                + daemonSet.path("spec").path("selector").path("matchLabels")
                + "}}]");

    // The admin port from the controller pods (taps through the controller, issue 18).
    JsonNode tap = ingress.path(3);
    assertThat(tap.path("ports").toString()).isEqualTo("[{\"port\":9901,\"protocol\":\"TCP\"}]");
    assertThat(tap.path("from").toString())
        .isEqualTo(
            "[{\"podSelector\":{\"matchLabels\":"
                + defaults
                    .get("Deployment", "nodemesh-controller")
                    .path("spec")
                    .path("selector")
                    .path("matchLabels")
                + "}}]");

    // The controller's port: proxies and Prometheus.
    JsonNode controller =
        defaults.get("NetworkPolicy", "nodemesh-controller").path("spec").path("ingress");
    assertThat(controller).hasSize(1);
    assertThat(controller.path(0).path("from")).hasSize(2);
    assertThat(controller.path(0).path("from").path(1).path("podSelector").toString())
        .contains("prometheus");
  }

  @Test
  void withoutAScraperTheAdminPortIsOpenToNoPod(@TempDir Path dir) throws IOException {
    Path values = dir.resolve("values.yaml");
    java.nio.file.Files.writeString(values, "networkPolicy:\n  prometheus: []\n");
    Rendered r = renderWithHooks(dir.resolve("chart"), Map.of(), values);

    JsonNode ingress = r.get("NetworkPolicy", "nodemesh-proxy").path("spec").path("ingress");
    // The listeners, the tunnel port for proxies, and the admin port for the controller's taps.
    assertThat(ingress).hasSize(3);
    assertThat(ingress.path(0).toString()).doesNotContain("9901");
    assertThat(ingress.toString()).doesNotContain("prometheus");
    JsonNode controller = r.get("NetworkPolicy", "nodemesh-controller").path("spec");
    assertThat(controller.path("ingress").path(0).path("from")).hasSize(1);
  }
}
