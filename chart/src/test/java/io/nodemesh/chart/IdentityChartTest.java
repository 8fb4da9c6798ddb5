package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.container;
import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: with identity on, the controller runs the CA with a Secret only it can read, and each
 * proxy gets a second projected token of the CA's own audience.
 */
class IdentityChartTest {
  static final Map<String, Object> ON =
      Map.of(
          "identity.enabled",
          "true",
          "identity.trustDomain",
          "prod.example",
          "identity.certificateLifetimeMinutes",
          "120");

  @Test
  void onByDefault() {
    Rendered r = Rendered.render(Map.of());
    assertThat(r.ofKind("Role")).anyMatch(o -> o.toString().contains("nodemesh-controller-ca"));
    assertThat(texts(container(r.get("Deployment", "nodemesh-controller")).path("args")))
        .contains("--ca", "--ca-secret=nodemesh-ca");
  }

  @Test
  void offWhenTurnedOff() {
    Rendered r = Rendered.render(Rendered.NO_IDENTITY);
    assertThat(r.ofKind("Role")).noneMatch(o -> o.toString().contains("nodemesh-controller-ca"));
    assertThat(texts(container(r.get("Deployment", "nodemesh-controller")).path("args")))
        .doesNotContain("--ca");
  }

  @Test
  void theControllerRunsTheCaAndReadsOnlyItsOwnSecret() {
    Rendered r = Rendered.render(ON);
    assertThat(texts(container(r.get("Deployment", "nodemesh-controller")).path("args")))
        .contains(
            "--ca",
            "--ca-secret=nodemesh-ca",
            "--certificate-lifetime-minutes=120",
            "--trust-domain=prod.example");
    JsonNode role = r.get("Role", "nodemesh-controller-ca");
    assertThat(role.path("metadata").path("namespace").asText()).isEqualTo("nodemesh");
    for (JsonNode rule : role.path("rules")) {
      if (texts(rule.path("verbs")).contains("get")) {
        assertThat(texts(rule.path("resourceNames"))).containsExactly("nodemesh-ca");
      } else {
        assertThat(texts(rule.path("verbs"))).containsExactly("create");
      }
    }
    assertThat(r.get("RoleBinding", "nodemesh-controller-ca").path("subjects").toString())
        .contains("nodemesh-controller");
    // The proxies get no right on Secrets at all.
    for (String kind : new String[] {"RoleBinding", "ClusterRoleBinding"}) {
      for (JsonNode b : r.ofKind(kind)) {
        if (b.path("subjects").toString().contains("nodemesh-proxy")) {
          JsonNode roleOf =
              r.get(
                  b.path("roleRef").path("kind").asText(), b.path("roleRef").path("name").asText());
          assertThat(roleOf.path("rules").toString()).doesNotContain("secrets");
        }
      }
    }
  }

  @Test
  void eachProxyGetsACaTokenOfItsOwnAudience() {
    Rendered r = Rendered.render(ON);
    JsonNode proxy = r.get("DaemonSet", "nodemesh-proxy");
    assertThat(texts(container(proxy).path("args")))
        .contains("--ca-token-file=/var/run/secrets/nodemesh-ca-token/token");
    String volumes = proxy.path("spec").path("template").path("spec").path("volumes").toString();
    assertThat(volumes)
        .contains("\"audience\":\"nodemesh-ca\"")
        .contains("\"audience\":\"nodemesh\"");
  }

  @Test
  void needsTlsAndAValidTrustDomain() {
    assertThatThrownBy(
            () ->
                Rendered.render(
                    Map.of("identity.enabled", "true", "controller.tls.enabled", "false")))
        .hasMessageContaining("controller.tls.enabled=false needs identity.enabled=false");
    assertThatThrownBy(() -> Rendered.render(Map.of("identity.trustDomain", "Evil/Domain")))
        .hasMessageContaining("/identity/trustDomain");
    assertThatThrownBy(() -> Rendered.render(Map.of("identity.certificateLifetimeMinutes", "5")))
        .hasMessageContaining("/identity/certificateLifetimeMinutes");
  }
}
