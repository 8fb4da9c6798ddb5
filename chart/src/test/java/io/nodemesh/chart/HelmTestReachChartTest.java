package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code helm test} on a default install can pass: the check Pod dials the controller and the
 * proxies directly (the NetworkPolicies keep the API server's proxy out), trusts the controller's
 * CA, may read the controller's summary and problems, and asks a SubjectAccessReview about the
 * controller's rights instead of impersonating it.
 */
class HelmTestReachChartTest {
  static final String NAME = HelmTestHookChartTest.NAME;
  static final String CA = "/etc/nodemesh/controller-ca/ca.crt";

  static Rendered render(Path dir, Map<String, Object> values) throws IOException {
    return InstallChartTest.renderWithHooks(dir, values, null);
  }

  static boolean hook(JsonNode o) {
    return "test"
        .equals(
            o.path("metadata").path("annotations").path(InstallChartTest.VISIBLE_HOOK).asText());
  }

  static String appProtocol(Rendered r) {
    return r.get("Service", "nodemesh-controller")
        .path("spec")
        .path("ports")
        .path(0)
        .path("appProtocol")
        .asText();
  }

  /** Whether {@code selector}'s matchLabels all hold on {@code labels}. */
  static boolean selects(JsonNode selector, JsonNode labels) {
    JsonNode match = selector.path("matchLabels");
    if (match.isEmpty()) {
      return false;
    }
    for (var it = match.properties().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
        return false;
      }
    }
    return true;
  }

  @Test
  void theCheckPodDialsTheControllerDirectlyTrustingOnlyTheCaCertificate(@TempDir Path dir)
      throws IOException {
    Rendered r = render(dir, Map.of());
    JsonNode spec = r.get("Pod", NAME).path("spec");
    JsonNode c = spec.path("containers").path(0);
    assertThat(texts(c.path("args"))).contains("--direct", "--controller-ca=" + CA);
    assertThat(c.path("volumeMounts").toString())
        .contains("\"mountPath\":\"/etc/nodemesh/controller-ca\"");
    JsonNode secret = null;
    for (JsonNode v : spec.path("volumes")) {
      if (v.path("name").asText().equals("controller-ca")) {
        secret = v.path("secret");
      }
    }
    assertThat(secret).as("controller-ca volume").isNotNull();
    assertThat(secret.path("secretName").asText()).isEqualTo("nodemesh-controller-tls");
    // Only the CA certificate: the serving key stays out of the test Pod.
    assertThat(secret.path("items").toString())
        .isEqualTo("[{\"key\":\"ca.crt\",\"path\":\"ca.crt\"}]");
    // The Service says which scheme the check (and anyone reading it) must use.
    assertThat(appProtocol(r)).isEqualTo("https");
  }

  @Test
  void withoutTlsTheCheckPodHasNoCaAndTheServiceSaysHttp(@TempDir Path dir) throws IOException {
    Rendered r = render(dir, Rendered.NO_TLS);
    JsonNode spec = r.get("Pod", NAME).path("spec");
    assertThat(texts(spec.path("containers").path(0).path("args")))
        .contains("--direct")
        .noneMatch(a -> a.startsWith("--controller-ca"));
    assertThat(spec.path("volumes").toString()).doesNotContain("nodemesh-controller-tls");
    assertThat(appProtocol(r)).isEqualTo("http");
  }

  @Test
  void theCheckServiceAccountIsAViewerAndMayOnlyReviewTheControllersRights(@TempDir Path dir)
      throws IOException {
    Rendered r = render(dir, Map.of());
    JsonNode viewer = r.get("ClusterRoleBinding", NAME + "-viewer");
    assertThat(hook(viewer)).isTrue();
    assertThat(viewer.path("roleRef").path("kind").asText()).isEqualTo("ClusterRole");
    assertThat(viewer.path("roleRef").path("name").asText()).isEqualTo("nodemesh-viewer");
    assertThat(viewer.path("subjects").toString())
        .isEqualTo(
            "[{\"kind\":\"ServiceAccount\",\"name\":\"nodemesh-check\","
                + "\"namespace\":\"nodemesh\"}]");
    // What the viewer role grants: the four made-up nodemesh.io resources, get only.
    JsonNode rules = r.get("ClusterRole", "nodemesh-viewer").path("rules");
    assertThat(rules).hasSize(1);
    assertThat(texts(rules.path(0).path("apiGroups"))).containsExactly("nodemesh.io");
    assertThat(texts(rules.path(0).path("resources")))
        .containsExactlyInAnyOrder("explanations", "problems", "summaries", "traffic");
    assertThat(texts(rules.path(0).path("verbs"))).containsExactly("get");

    JsonNode reviews = r.get("ClusterRole", NAME + "-reviews");
    assertThat(hook(reviews)).isTrue();
    assertThat(reviews.path("rules").toString())
        .isEqualTo(
            "[{\"apiGroups\":[\"authorization.k8s.io\"],\"resources\":[\"subjectaccessreviews\"],"
                + "\"verbs\":[\"create\"]}]");
    JsonNode binding = r.get("ClusterRoleBinding", NAME + "-reviews");
    assertThat(binding.path("roleRef").path("name").asText()).isEqualTo(NAME + "-reviews");
    assertThat(binding.path("subjects").path(0).path("name").asText()).isEqualTo(NAME);

    // Nothing the check's account holds lets it act as another user or read a Secret.
    for (String kind : List.of("ClusterRole", "Role")) {
      for (JsonNode role : r.ofKind(kind)) {
        if (role.path("metadata").path("name").asText().startsWith(NAME)) {
          assertThat(role.path("rules").toString())
              .as(role.path("metadata").path("name").asText())
              .doesNotContain("impersonate", "secrets", "serviceaccounts/token");
        }
      }
    }
  }

  @Test
  void networkPoliciesLetOnlyTheCheckPodInToTheControllerAndTheAdminPort(@TempDir Path dir)
      throws IOException {
    Rendered r = render(dir, Map.of());
    JsonNode podLabels = r.get("Pod", NAME).path("metadata").path("labels");
    JsonNode controllerPods = Rendered.podLabels(r.get("Deployment", "nodemesh-controller"));
    JsonNode proxyPods = Rendered.podLabels(r.get("DaemonSet", "nodemesh-proxy"));

    JsonNode toController = r.get("NetworkPolicy", NAME + "-controller");
    assertThat(hook(toController)).isTrue();
    assertThat(selects(toController.path("spec").path("podSelector"), controllerPods)).isTrue();
    assertThat(selects(toController.path("spec").path("podSelector"), proxyPods)).isFalse();
    JsonNode rule = toController.path("spec").path("ingress");
    assertThat(rule).hasSize(1);
    assertThat(rule.path(0).path("from")).hasSize(1);
    JsonNode peer = rule.path(0).path("from").path(0);
    assertThat(peer.has("namespaceSelector")).as("same namespace only").isFalse();
    assertThat(selects(peer.path("podSelector"), podLabels)).isTrue();
    assertThat(selects(peer.path("podSelector"), controllerPods)).isFalse();
    assertThat(rule.path(0).path("ports").toString())
        .isEqualTo("[{\"port\":9900,\"protocol\":\"TCP\"}]");

    JsonNode toProxies = r.get("NetworkPolicy", NAME + "-proxy");
    assertThat(hook(toProxies)).isTrue();
    assertThat(selects(toProxies.path("spec").path("podSelector"), proxyPods)).isTrue();
    JsonNode admin = toProxies.path("spec").path("ingress");
    assertThat(admin).hasSize(1);
    assertThat(selects(admin.path(0).path("from").path(0).path("podSelector"), podLabels)).isTrue();
    assertThat(admin.path(0).path("ports").toString())
        .isEqualTo("[{\"port\":9901,\"protocol\":\"TCP\"}]");

    // The install's own policies are unchanged: the check Pod is let in only while the hook exists.
    assertThat(r.get("NetworkPolicy", "nodemesh-controller").toString()).doesNotContain(NAME);
    assertThat(r.get("NetworkPolicy", "nodemesh-proxy").toString()).doesNotContain(NAME);
  }

  @Test
  void withoutNetworkPoliciesOrTestsThereIsNoExtraPolicy(@TempDir Path dir) throws IOException {
    assertThat(
            render(dir.resolve("a"), Map.of("networkPolicy.enabled", false))
                .ofKind("NetworkPolicy"))
        .isEmpty();
    assertThat(render(dir.resolve("b"), Map.of("tests.enabled", false)).ofKind("NetworkPolicy"))
        .extracting(o -> o.path("metadata").path("name").asText())
        .containsExactlyInAnyOrder("nodemesh-controller", "nodemesh-proxy");
  }
}
