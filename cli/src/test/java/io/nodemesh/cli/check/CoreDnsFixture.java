package io.nodemesh.cli.check;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The cluster DNS the install tests patch: the mesh DNS Service, a CoreDNS 1.11 Deployment found by
 * its {@code k8s-app=kube-dns} label, and its Corefile ConfigMap.
 */
public final class CoreDnsFixture {
  private CoreDnsFixture() {}

  /** Creates the three objects; the mesh DNS Service gets ClusterIP 10.96.0.53. */
  public static void create(KubernetesClient client, String meshNamespace, String corefile) {
    client
        .services()
        .inNamespace(meshNamespace)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("nodemesh-dns")
                .withNamespace(meshNamespace)
                .endMetadata()
                .withNewSpec()
                .withClusterIP("10.96.0.53")
                .endSpec()
                .build())
        .create();
    client
        .apps()
        .deployments()
        .inNamespace("kube-system")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("coredns")
                .withNamespace("kube-system")
                .addToLabels("k8s-app", "kube-dns")
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewSpec()
                .addNewContainer()
                .withName("coredns")
                .withImage("registry.k8s.io/coredns/coredns:v1.11.1")
                .endContainer()
                .addNewVolume()
                .withName("config-volume")
                .withNewConfigMap()
                .withName("coredns")
                .endConfigMap()
                .endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    corefile(client, "coredns", corefile);
  }

  /** The ConfigMap kube-system/{@code name} holding {@code corefile} as its Corefile. */
  public static void corefile(KubernetesClient client, String name, String corefile) {
    client
        .configMaps()
        .inNamespace("kube-system")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("kube-system")
                .endMetadata()
                .addToData("Corefile", corefile)
                .build())
        .create();
  }
}
