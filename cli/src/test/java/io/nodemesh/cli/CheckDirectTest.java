package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nodemesh.config.wire.ShadowLabels;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.api.ApiSecurity;
import io.nodemesh.controller.source.FileSource;
import io.nodemesh.testkit.K8s;
import io.nodemesh.testkit.MockReviews;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nodemesh check --direct}, as the chart's {@code helm test} runs it, against the real
 * controller as the chart runs it: TLS from a CA the check pins, and the summary and problems only
 * for a token whose user the API server (the mock's TokenReview and SubjectAccessReview) grants
 * them.
 */
@EnableKubernetesMockClient(crud = true)
class CheckDirectTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @RegisterExtension static final TestCas pki = new TestCas();
  @TempDir Path dir;
  Controller controller;
  Path kubeconfig;
  final List<String> reviewedTokens = new CopyOnWriteArrayList<>();
  final Set<String> granted = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void controllerAndApiServer() throws Exception {
    granted.addAll(List.of("summaries", "problems"));
    MockReviews.tokenReviews(
        server,
        client,
        asked -> {
          reviewedTokens.add(asked.getSpec().getToken());
          boolean ours = "check-pod-token".equals(asked.getSpec().getToken());
          return MockReviews.user(ours ? "system:serviceaccount:nodemesh:nodemesh-check" : null);
        });
    MockReviews.accessReviews(
        server,
        client,
        asked -> {
          var a = asked.getSpec().getResourceAttributes();
          return asked.getSpec().getUser().equals("system:serviceaccount:nodemesh:nodemesh-check")
              && "nodemesh.io".equals(a.getGroup())
              && "get".equals(a.getVerb())
              && granted.contains(a.getResource());
        });
    Files.writeString(dir.resolve("world.yaml"), Manifests.service("shop", "web", 80, 80));
    controller =
        Controller.start(
            TestControllers.options("check-direct"),
            new FileSource(dir),
            client,
            new ApiSecurity(null, true, pki.mesh().tls()));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                !client
                    .services()
                    .inNamespace("nodemesh")
                    .withLabel(ShadowLabels.MANAGED_BY_LABEL, ShadowLabels.MANAGED_BY)
                    .list()
                    .getItems()
                    .isEmpty());
    kubeconfig = dir.resolve("kubeconfig");
    K8s.kubeconfig(kubeconfig, String.valueOf(client.getMasterUrl()), "check", "check-pod-token");
  }

  @AfterEach
  void stop() {
    controller.close();
  }

  CliTest.Result check(Path ca) {
    return CliTest.run(
        "check",
        "--kubeconfig",
        kubeconfig.toString(),
        "--as-self",
        "--direct",
        "--controller",
        "https://localhost:" + controller.apiPort(),
        "--controller-ca",
        ca.toString());
  }

  static String line(CliTest.Result r, String item) {
    return r.out()
        .lines()
        .filter(l -> l.matches("[A-Z]{4}  " + item + " .*"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + item + " line in\n" + r.out()));
  }

  @Test
  void theControllerAnswersTheChecksTokenOverTls() {
    CliTest.Result r = check(pki.mesh().caCert);

    assertThat(line(r, "proxy-config")).startsWith("PASS").contains("all 0 proxies run config");
    assertThat(line(r, "shadows")).startsWith("PASS").contains("1 shadow Services match");
    assertThat(line(r, "problems")).startsWith("PASS");
    assertThat(reviewedTokens).isNotEmpty().containsOnly("check-pod-token");
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void aMissingGrantIsAFailLineNamingIt() {
    granted.remove("summaries");
    CliTest.Result r = check(pki.mesh().caCert);

    assertThat(r.code()).isEqualTo(1);
    for (String item : List.of("proxy-config", "shadows")) {
      assertThat(line(r, item))
          .startsWith("FAIL")
          .contains("missing permission get summaries.nodemesh.io")
          .contains("ClusterRole nodemesh-viewer")
          .contains("system:serviceaccount:nodemesh:nodemesh-check may not read the summary");
    }
    assertThat(line(r, "problems")).startsWith("PASS");
    assertThat(r.out() + r.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void aControllerWhoseCertificateTheCaDidNotSignIsNotAsked() {
    CliTest.Result r = check(pki.rogue().caCert);

    assertThat(line(r, "problems")).startsWith("FAIL").contains("cannot reach the controller");
    assertThat(reviewedTokens).isEmpty();
    assertThat(r.out() + r.err()).doesNotContain("\tat ");
  }

  @Test
  void controllerFlagsNeedDirect() {
    assertThat(CliTest.usageError("check", "--controller-ca", pki.mesh().caCert.toString()))
        .startsWith("nodemesh: --controller-ca goes with --direct");
  }
}
