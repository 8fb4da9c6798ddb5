package io.nodemesh.dns;

import static io.nodemesh.dns.CorefileFixturesTest.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * prepare, prepare again, cleanup and status against the fabric8 mock API server. One server for
 * the class (starting one takes seconds here); each test starts from empty namespaces.
 */
@EnableKubernetesMockClient(crud = true)
class DnsPatcherTest {
  static final String SYS = "kube-system";
  static final String MESH_IP = "10.96.0.53";

  static KubernetesClient client;
  DnsPatcher patcher;

  @BeforeEach
  void meshDnsService() {
    for (String ns : List.of(SYS, "nodemesh")) {
      client.apps().deployments().inNamespace(ns).delete();
      client.configMaps().inNamespace(ns).delete();
      client.services().inNamespace(ns).delete();
    }
    meshDnsService(client);
    patcher = new DnsPatcher(client, new DnsPatcher.Settings(SYS, "nodemesh", "mesh", null));
  }

  static void meshDnsService(KubernetesClient client) {
    client
        .services()
        .inNamespace("nodemesh")
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("nodemesh-dns")
                .withNamespace("nodemesh")
                .endMetadata()
                .withNewSpec()
                .withClusterIP(MESH_IP)
                .addNewPort()
                .withPort(53)
                .withProtocol("UDP")
                .endPort()
                .endSpec()
                .build())
        .create();
  }

  /** A DNS Deployment labelled as kubeadm, EKS, AKS, k3s and GKE label theirs. */
  static void deployment(KubernetesClient client, String name, String image, String... configMaps) {
    DeploymentBuilder b =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(SYS)
            .addToLabels("k8s-app", "kube-dns")
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("k8s-app", "kube-dns")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName(name.equals("kube-dns") ? "kubedns" : "coredns")
            .withImage(image)
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec();
    for (String cm : configMaps) {
      b.editSpec()
          .editTemplate()
          .editSpec()
          .addNewVolume()
          .withName(cm + "-volume")
          .withNewConfigMap()
          .withName(cm)
          .withOptional(cm.equals("coredns-custom"))
          .endConfigMap()
          .endVolume()
          .endSpec()
          .endTemplate()
          .endSpec();
    }
    client.apps().deployments().inNamespace(SYS).resource(b.build()).create();
  }

  static void configMap(KubernetesClient client, String name, Map<String, String> data) {
    client
        .configMaps()
        .inNamespace(SYS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(SYS)
                .endMetadata()
                .withData(data)
                .build())
        .create();
  }

  ConfigMap cm(String name) {
    return client.configMaps().inNamespace(SYS).withName(name).get();
  }

  /** The DNS Deployment's resourceVersion: the patcher never writes the Deployment. */
  String deploymentVersion(String deployment) {
    return client
        .apps()
        .deployments()
        .inNamespace(SYS)
        .withName(deployment)
        .get()
        .getMetadata()
        .getResourceVersion();
  }

  @Test
  void kubeadmCorefileIsPatchedOnceLeftToReloadAndRestoredByteForByte() {
    String original = fixture("kubeadm-1.11.Corefile");
    deployment(client, "coredns", "registry.k8s.io/coredns/coredns:v1.11.1", "coredns");
    configMap(client, "coredns", Map.of("Corefile", original));
    String deployment = deploymentVersion("coredns");

    DnsPatcher.Change first = patcher.prepare();
    assertThat(first.changed()).isTrue();
    assertThat(first.target()).isInstanceOf(DnsTarget.Corefile.class);
    String patched = cm("coredns").getData().get("Corefile");
    assertThat(patched).startsWith(original).contains("forward mesh. " + MESH_IP);
    assertThat(CorefileSyntax.problems(patched, new CoreDnsVersion(1, 11, 1))).isEmpty();
    assertThat(first.notes()).anyMatch(n -> n.contains("reload"));
    assertThat(patcher.status()).isEqualTo(new DnsStatus.Patched(first.target(), MESH_IP));

    String version = cm("coredns").getMetadata().getResourceVersion();
    assertThat(patcher.prepare().changed()).isFalse();
    assertThat(cm("coredns").getMetadata().getResourceVersion()).isEqualTo(version);

    assertThat(patcher.cleanup().changed()).isTrue();
    assertThat(cm("coredns").getData().get("Corefile")).isEqualTo(original);
    assertThat(patcher.status()).isInstanceOf(DnsStatus.NotPatched.class);
    assertThat(patcher.cleanup().changed()).isFalse();
    assertThat(deploymentVersion("coredns")).isEqualTo(deployment);
  }

  @Test
  void aCoreDnsUpgradeGetsABlockForTheNewVersion() {
    String original = ".:53 {\n    errors\n    reload\n    proxy . /etc/resolv.conf\n}\n";
    deployment(client, "coredns", "coredns/coredns:1.0.5", "coredns");
    configMap(client, "coredns", Map.of("Corefile", original));
    patcher.prepare();
    assertThat(cm("coredns").getData().get("Corefile")).contains("proxy mesh. " + MESH_IP);

    client
        .apps()
        .deployments()
        .inNamespace(SYS)
        .withName("coredns")
        .edit(
            d -> {
              d.getSpec()
                  .getTemplate()
                  .getSpec()
                  .getContainers()
                  .get(0)
                  .setImage("coredns/coredns:1.11.1");
              return d;
            });
    assertThat(patcher.prepare().changed()).isTrue();
    assertThat(cm("coredns").getData().get("Corefile"))
        .contains("forward mesh. " + MESH_IP)
        .doesNotContain("proxy mesh.");
    patcher.cleanup();
    assertThat(cm("coredns").getData().get("Corefile")).isEqualTo(original);
  }

  @Test
  void aCorefileWithoutReloadIsRefusedWithNothingWritten() {
    String original = ".:53 {\n    errors\n    forward . /etc/resolv.conf\n}\n";
    deployment(client, "coredns", "registry.k8s.io/coredns/coredns:v1.11.1", "coredns");
    configMap(client, "coredns", Map.of("Corefile", original));
    String configVersion = cm("coredns").getMetadata().getResourceVersion();

    assertThatThrownBy(() -> patcher.prepare())
        .isInstanceOf(DnsPatchException.class)
        .hasMessageContaining("no `reload` plugin")
        .hasMessageContaining("run prepare again");

    assertThat(cm("coredns").getMetadata().getResourceVersion()).isEqualTo(configVersion);
    assertThat(client.configMaps().inNamespace("nodemesh").withName(DnsPatcher.RECORD_NAME).get())
        .isNull();
  }

  @Test
  void reloadIsFoundAsAPluginNotInACommentOrOurOwnBlock() {
    assertThat(DnsPatcher.reloads(".:53 {\n    errors\n    reload 10s\n}\n")).isTrue();
    assertThat(DnsPatcher.reloads(".:53 {\n\treload\n}\n")).isTrue();
    assertThat(DnsPatcher.reloads(".:53 {\n    # reload\n    errors\n}\n")).isFalse();
    assertThat(DnsPatcher.reloads(".:53 {\n    reloaded\n}\n")).isFalse();
  }

  @Test
  void anOldCoreDnsWithCorednsCustomIsRefused() {
    deployment(client, "coredns", "coredns/coredns:1.6.0", "coredns", "coredns-custom");
    configMap(
        client,
        "coredns",
        Map.of(
            "Corefile",
            ".:53 {\n    errors\n    reload\n    forward . /etc/resolv.conf\n}\n"
                + "import /etc/coredns/custom/*.server\n"));

    assertThatThrownBy(() -> patcher.prepare())
        .isInstanceOf(DnsPatchException.class)
        .hasMessageContaining("imported files");
    assertThat(cm("coredns-custom")).isNull();
  }

  @Test
  void aCorefileReconciledBackIsReportedAsReverted() {
    String original = fixture("eks-1.8.Corefile");
    deployment(client, "coredns", "eks/coredns:v1.8.7-eksbuild.3", "coredns");
    configMap(client, "coredns", Map.of("Corefile", original));
    patcher.prepare();

    // What a managed add-on does on its next sync.
    ConfigMap cm = cm("coredns");
    cm.getData().put("Corefile", original);
    client.configMaps().inNamespace(SYS).resource(cm).update();

    assertThat(patcher.status())
        .isInstanceOfSatisfying(
            DnsStatus.Reverted.class,
            r -> assertThat(r.hint()).contains("kube-system/coredns").contains("coredns-custom"));
  }

  @Test
  void aksCorednsCustomGetsTheBlockAndTheManagedCorefileIsLeftAlone() {
    String corefile = fixture("aks-1.9.Corefile");
    deployment(
        client,
        "coredns",
        "mcr.microsoft.com/oss/kubernetes/coredns:v1.9.4-hotfix.20230322",
        "coredns",
        "coredns-custom");
    configMap(client, "coredns", Map.of("Corefile", corefile));
    configMap(client, "coredns-custom", Map.of("log.override", "log\n"));

    DnsPatcher.Change change = patcher.prepare();
    assertThat(change.target()).isInstanceOf(DnsTarget.CustomServerFile.class);
    assertThat(cm("coredns").getData().get("Corefile")).isEqualTo(corefile);
    String file = cm("coredns-custom").getData().get("nodemesh.server");
    assertThat(file).contains("mesh:53 {").contains("forward mesh. " + MESH_IP);
    assertThat(CorefileSyntax.problems(corefile + file, new CoreDnsVersion(1, 9, 4))).isEmpty();
    assertThat(patcher.prepare().changed()).isFalse();
    assertThat(patcher.status()).isInstanceOf(DnsStatus.Patched.class);

    patcher.cleanup();
    assertThat(cm("coredns-custom").getData()).isEqualTo(Map.of("log.override", "log\n"));
    assertThat(cm("coredns").getData().get("Corefile")).isEqualTo(corefile);
  }

  @Test
  void k3sWithoutACustomConfigMapGetsOneThatCleanupDeletes() {
    deployment(
        client, "coredns", "rancher/mirrored-coredns-coredns:1.10.1", "coredns", "coredns-custom");
    configMap(client, "coredns", Map.of("Corefile", fixture("k3s-1.10.Corefile")));

    patcher.prepare();
    assertThat(cm("coredns-custom").getData()).containsKey("nodemesh.server");
    patcher.cleanup();
    assertThat(cm("coredns-custom")).isNull();
    assertThat(cm("coredns").getData().get("Corefile")).isEqualTo(fixture("k3s-1.10.Corefile"));
  }

  @Test
  void gkeKubeDnsGetsAStubDomainAndGetsItsOwnTextBack() {
    deployment(client, "kube-dns", "gke.gcr.io/k8s-dns-kube-dns:1.22.28-gke.0");
    // Odd spacing on purpose: cleanup must give back these bytes, not a re-serialised map.
    String stubs = "{\"acme.local\":  [\"1.2.3.4\"] }\n";
    configMap(
        client, "kube-dns", Map.of("stubDomains", stubs, "upstreamNameservers", "[\"8.8.8.8\"]"));

    DnsPatcher.Change change = patcher.prepare();
    assertThat(change.target()).isInstanceOf(DnsTarget.KubeDns.class);
    assertThat(cm("kube-dns").getData().get("stubDomains"))
        .isEqualTo("{\"acme.local\":[\"1.2.3.4\"],\"mesh\":[\"" + MESH_IP + "\"]}");
    assertThat(patcher.prepare().changed()).isFalse();
    assertThat(patcher.status()).isEqualTo(new DnsStatus.Patched(change.target(), MESH_IP));

    patcher.cleanup();
    ConfigMap after = cm("kube-dns");
    assertThat(after.getData())
        .isEqualTo(Map.of("stubDomains", stubs, "upstreamNameservers", "[\"8.8.8.8\"]"));
    assertThat(after.getMetadata().getAnnotations())
        .doesNotContainKeys(DnsPatcher.STUBS_BEFORE_ANNOTATION, DnsPatcher.STUBS_ABSENT_ANNOTATION);
  }

  @Test
  void kubeDnsWithoutItsConfigMapGetsOneThatCleanupDeletes() {
    deployment(client, "kube-dns", "registry.k8s.io/dns/k8s-dns-kube-dns:1.22.28");
    patcher.prepare();
    assertThat(cm("kube-dns").getData().get("stubDomains"))
        .isEqualTo("{\"mesh\":[\"" + MESH_IP + "\"]}");
    patcher.cleanup();
    assertThat(cm("kube-dns")).isNull();
  }

  @Test
  void aMeshZoneServedByAnotherBlockIsRefusedAndNothingIsWritten() {
    String corefile = fixture("kubeadm-1.11.Corefile") + "mesh:53 {\n    whoami\n}\n";
    deployment(client, "coredns", "registry.k8s.io/coredns/coredns:v1.11.1", "coredns");
    configMap(client, "coredns", Map.of("Corefile", corefile));
    assertThatThrownBy(patcher::prepare)
        .isInstanceOf(DnsPatchException.class)
        .hasMessageContaining("mesh.:53 is already served by the block on line 21");
    assertThat(cm("coredns").getData().get("Corefile")).isEqualTo(corefile);
  }

  @Test
  void aCustomDomainAndAnExplicitAddressAreUsed() {
    deployment(client, "coredns", "registry.k8s.io/coredns/coredns:v1.11.1", "coredns");
    configMap(client, "coredns", Map.of("Corefile", fixture("kubeadm-1.11.Corefile")));
    new DnsPatcher(client, new DnsPatcher.Settings(SYS, "nodemesh", "mesh.internal", "10.1.2.3"))
        .prepare();
    assertThat(cm("coredns").getData().get("Corefile"))
        .contains("mesh.internal:53 {")
        .contains("forward mesh.internal. 10.1.2.3");
  }

  @Test
  void missingPiecesAreNamed() {
    assertThatThrownBy(patcher::prepare)
        .hasMessage(
            "no cluster DNS found in namespace kube-system: no CoreDNS or kube-dns Deployment"
                + " labelled k8s-app=kube-dns or named coredns/kube-dns");
    assertThat(patcher.status()).isInstanceOf(DnsStatus.NotFound.class);

    deployment(client, "coredns", "registry.k8s.io/coredns/coredns:v1.11.1", "coredns");
    assertThatThrownBy(patcher::prepare)
        .hasMessageContaining("mounts no ConfigMap with a Corefile key");

    configMap(client, "coredns", Map.of("Corefile", fixture("kubeadm-1.11.Corefile")));
    client.services().inNamespace("nodemesh").withName("nodemesh-dns").delete();
    assertThatThrownBy(patcher::prepare)
        .hasMessageContaining("Service nodemesh/nodemesh-dns (the mesh DNS server) not found");
  }
}
