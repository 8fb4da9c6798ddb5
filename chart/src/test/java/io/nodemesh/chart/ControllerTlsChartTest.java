package io.nodemesh.chart;

import static io.nodemesh.chart.Rendered.container;
import static io.nodemesh.chart.Rendered.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the controller API over TLS with a CA the proxies pin (the chart's own CA by default,
 * or cert-manager's), and the RBAC for explain and problems.
 */
class ControllerTlsChartTest {
  static final String SECRET = "nodemesh-controller-tls";
  private static Rendered defaults;

  @BeforeAll
  static void renderDefaults() {
    defaults = Rendered.render(Map.of());
  }

  static X509Certificate cert(JsonNode secret, String key) throws Exception {
    byte[] pem = Base64.getDecoder().decode(secret.path("data").path(key).asText());
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
  }

  @Test
  void theChartMakesACaAndAServingCertificateItSigned() throws Exception {
    JsonNode secret = defaults.get("Secret", SECRET);
    assertThat(secret.path("type").asText()).isEqualTo("kubernetes.io/tls");
    assertThat(secret.path("data").path("tls.key").asText()).isNotEmpty();
    X509Certificate ca = cert(secret, "ca.crt");
    X509Certificate serving = cert(secret, "tls.crt");

    serving.verify(ca.getPublicKey());
    assertThat(serving.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(serving.getBasicConstraints()).isEqualTo(-1);
    List<String> names = new ArrayList<>();
    for (List<?> san : serving.getSubjectAlternativeNames()) {
      names.add(String.valueOf(san.get(1)));
    }
    assertThat(names)
        .contains(
            "nodemesh-controller.nodemesh.svc",
            "nodemesh-controller.nodemesh.svc.cluster.local",
            "nodemesh-controller",
            "localhost",
            "127.0.0.1");
    assertThat(serving.getSubjectX500Principal())
        .isEqualTo(new X500Principal("CN=nodemesh-controller.nodemesh.svc"));
  }

  @Test
  void theControllerServesTlsAndTheProxiesPinOnlyTheCa() {
    JsonNode controller = defaults.get("Deployment", "nodemesh-controller");
    JsonNode c = container(controller);
    assertThat(texts(c.path("args")))
        .contains("--tls-cert=/etc/nodemesh/tls/tls.crt", "--tls-key=/etc/nodemesh/tls/tls.key");
    assertThat(c.path("livenessProbe").path("httpGet").path("scheme").asText()).isEqualTo("HTTPS");
    assertThat(c.path("readinessProbe").path("httpGet").path("scheme").asText()).isEqualTo("HTTPS");
    assertThat(controller.path("spec").path("template").path("spec").path("volumes").toString())
        .contains("\"secretName\":\"" + SECRET + "\"");

    JsonNode proxy = defaults.get("DaemonSet", "nodemesh-proxy");
    assertThat(texts(container(proxy).path("args")))
        .contains(
            "--controller=https://nodemesh-controller.nodemesh.svc:9900",
            "--controller-ca=/var/run/secrets/nodemesh-ca/ca.crt");
    JsonNode caVolume = null;
    for (JsonNode v : proxy.path("spec").path("template").path("spec").path("volumes")) {
      if (v.path("name").asText().equals("controller-ca")) {
        caVolume = v;
      }
    }
    assertThat(caVolume).as("controller-ca volume").isNotNull();
    assertThat(caVolume.path("secret").path("secretName").asText()).isEqualTo(SECRET);
    // The proxy gets the CA certificate and never the controller's private key.
    assertThat(caVolume.path("secret").path("items").size()).isEqualTo(1);
    assertThat(caVolume.path("secret").path("items").path(0).path("key").asText())
        .isEqualTo("ca.crt");
  }

  @Test
  void certManagerIssuesTheCertificateInsteadOfTheChart() {
    Rendered r =
        Rendered.render(
            Map.of(
                "controller.tls.certManager.issuerRef.name", "mesh-ca",
                "controller.tls.certManager.issuerRef.kind", "ClusterIssuer"));

    assertThat(r.ofKind("Secret"))
        .noneMatch(s -> s.path("metadata").path("name").asText().equals(SECRET));
    JsonNode cert = r.get("Certificate", SECRET);
    assertThat(cert.path("apiVersion").asText()).isEqualTo("cert-manager.io/v1");
    assertThat(cert.path("spec").path("secretName").asText()).isEqualTo(SECRET);
    assertThat(cert.path("spec").path("issuerRef").path("name").asText()).isEqualTo("mesh-ca");
    assertThat(cert.path("spec").path("issuerRef").path("kind").asText())
        .isEqualTo("ClusterIssuer");
    assertThat(texts(cert.path("spec").path("dnsNames")))
        .contains("nodemesh-controller.nodemesh.svc");
    assertThat(texts(cert.path("spec").path("usages"))).contains("server auth");
    // The same Secret name, so the controller and the proxies mount it unchanged.
    assertThat(texts(container(r.get("DaemonSet", "nodemesh-proxy")).path("args")))
        .contains("--controller-ca=/var/run/secrets/nodemesh-ca/ca.crt");
  }

  @Test
  void anIssuerRefWithoutANameIsRefused() {
    assertThatThrownBy(
            () ->
                Rendered.render(
                    Map.of("controller.tls.certManager.issuerRef.kind", "ClusterIssuer")))
        .hasMessageContaining("controller.tls.certManager.issuerRef needs a name");
  }

  @Test
  void withTlsOffTheApiIsPlainHttpAndNoCertificateIsMade() {
    Rendered r = Rendered.render(Rendered.NO_TLS);

    assertThat(r.ofKind("Secret"))
        .noneMatch(s -> s.path("metadata").path("name").asText().equals(SECRET));
    assertThat(r.ofKind("Certificate")).isEmpty();
    JsonNode c = container(r.get("Deployment", "nodemesh-controller"));
    assertThat(texts(c.path("args"))).noneMatch(a -> a.startsWith("--tls-"));
    assertThat(c.path("readinessProbe").path("httpGet").path("scheme").asText()).isEqualTo("HTTP");
    assertThat(texts(container(r.get("DaemonSet", "nodemesh-proxy")).path("args")))
        .contains("--controller=http://nodemesh-controller.nodemesh.svc:9900")
        .noneMatch(a -> a.startsWith("--controller-ca"));
  }

  @Test
  void theViewerRoleGrantsExplainAndProblemsAndTheControllerMayAskAboutIt() {
    JsonNode viewer = defaults.get("ClusterRole", "nodemesh-viewer");
    JsonNode rule = viewer.path("rules").path(0);
    assertThat(texts(rule.path("apiGroups"))).containsExactly("nodemesh.io");
    assertThat(texts(rule.path("resources")))
        .containsExactlyInAnyOrder("explanations", "problems", "summaries", "traffic");
    assertThat(texts(rule.path("verbs"))).containsExactly("get");
    assertThat(viewer.path("rules").size()).isEqualTo(1);
    assertThat(defaults.get("ClusterRole", "nodemesh-controller-auth").path("rules").toString())
        .contains("subjectaccessreviews");
  }

  @Test
  void theServiceMonitorScrapesOverTlsWithTheCa() {
    Rendered r = Rendered.render(Map.of("metrics.serviceMonitor.enabled", "true"));
    JsonNode endpoint =
        r.get("ServiceMonitor", "nodemesh-controller").path("spec").path("endpoints").path(0);
    assertThat(endpoint.path("scheme").asText()).isEqualTo("https");
    assertThat(endpoint.path("tlsConfig").path("ca").path("secret").path("name").asText())
        .isEqualTo(SECRET);
    assertThat(endpoint.path("tlsConfig").path("serverName").asText())
        .isEqualTo("nodemesh-controller.nodemesh.svc");
  }
}
