package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.cli.check.CoreDnsFixture;
import io.nodemesh.testkit.K8s;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prepare}, {@code cleanup} and {@code check} as a user runs them, against the mock API
 * server.
 */
@EnableKubernetesMockClient(crud = true)
class InstallCommandsTest {
  static final String COREFILE =
      ".:53 {\n    errors\n    reload\n    forward . /etc/resolv.conf\n}\n";

  KubernetesClient client;
  Path kubeconfig;

  @BeforeEach
  void kubeconfigForTheMockServer(@TempDir Path dir) throws IOException {
    kubeconfig = dir.resolve("config");
    K8s.kubeconfig(kubeconfig, String.valueOf(client.getMasterUrl()), "admin", "secret");
  }

  void coreDns() {
    CoreDnsFixture.create(client, "nodemesh", COREFILE);
  }

  String corefile() {
    return client
        .configMaps()
        .inNamespace("kube-system")
        .withName("coredns")
        .get()
        .getData()
        .get("Corefile");
  }

  @Test
  void prepareTwiceThenCleanup() {
    coreDns();
    CliTest.Result first = CliTest.run("prepare", "--kubeconfig", kubeconfig.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out())
        .startsWith(
            "patched CoreDNS 1.11.1 in kube-system/coredns, Corefile in ConfigMap coredns key"
                + " Corefile");
    assertThat(corefile()).contains("forward mesh. 10.96.0.53");

    CliTest.Result again = CliTest.run("prepare", "--kubeconfig", kubeconfig.toString());
    assertThat(again.out()).startsWith("already patched, nothing changed: CoreDNS 1.11.1");

    CliTest.Result cleanup = CliTest.run("cleanup", "--kubeconfig", kubeconfig.toString());
    assertThat(cleanup.code()).isZero();
    assertThat(cleanup.out()).startsWith("restored CoreDNS 1.11.1");
    assertThat(corefile()).isEqualTo(COREFILE);
  }

  @Test
  void aCustomDomainAndAddressReachTheCorefile() {
    coreDns();
    CliTest.Result r =
        CliTest.run(
            "prepare",
            "--kubeconfig",
            kubeconfig.toString(),
            "--mesh-domain",
            "mesh.internal",
            "--dns-address",
            "10.1.2.3");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(corefile()).contains("forward mesh.internal. 10.1.2.3");
  }

  @Test
  void aCorefileWithoutReloadIsRefusedInOneLineAndLeftAlone() {
    String noReload = ".:53 {\n    errors\n    forward . /etc/resolv.conf\n}\n";
    CoreDnsFixture.create(client, "nodemesh", noReload);

    CliTest.Result r = CliTest.run("prepare", "--kubeconfig", kubeconfig.toString());

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("nodemesh prepare: not patching CoreDNS 1.11.1")
        .contains("no `reload` plugin")
        .doesNotContain("\tat ");
    assertThat(r.err().lines()).hasSize(1);
    assertThat(corefile()).isEqualTo(noReload);
  }

  @Test
  void mistakesAreOneLine() {
    assertThat(CliTest.stderr(1, "prepare", "--kubeconfig", kubeconfig.toString()))
        .isEqualTo(
            "nodemesh prepare: no cluster DNS found in namespace kube-system: no CoreDNS or"
                + " kube-dns Deployment labelled k8s-app=kube-dns or named coredns/kube-dns"
                + System.lineSeparator());

    assertThat(
            CliTest.usageError(
                "prepare", "--kubeconfig", kubeconfig.toString(), "--mesh-domain", "Mesh_"))
        .startsWith("nodemesh: MeshDnsSettings.domain: 'Mesh_' is not a lower-case DNS name");

    assertThat(
            CliTest.stderr(
                1, "check", "--kubeconfig", kubeconfig.resolveSibling("nope").toString()))
        .startsWith("nodemesh check: --kubeconfig: cannot read")
        .doesNotContain("\tat ");
  }

  @Test
  void checkOnAnEmptyClusterFailsAndSaysWhat() {
    CliTest.Result r = CliTest.run("check", "--kubeconfig", kubeconfig.toString(), "--as-self");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out())
        .contains("PASS  api ")
        .contains("FAIL  crds          trafficsplits.split.smi-spec.io missing")
        .contains("FAIL  dns           no cluster DNS found")
        .contains("FAIL  leader        no controller holds Lease nodemesh/nodemesh-controller")
        .endsWith("failed" + System.lineSeparator());
  }
}
