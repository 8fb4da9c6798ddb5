package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The crds item alone, against the mock API server. */
@EnableKubernetesMockClient(crud = true)
class CrdsCheckTest {
  KubernetesClient client;

  CheckItem check() {
    return new CrdsCheck().run(CheckContexts.of(client, Instant.EPOCH));
  }

  void crd(String name, String version) {
    ClusterObjects.crd(client, name, version);
  }

  void installAll() {
    ClusterObjects.crds(client, CrdsCheck.CRDS);
  }

  @Test
  void everyCrdAtItsVersionPasses() {
    installAll();
    assertThat(check())
        .isEqualTo(CheckItem.pass("crds", "all 5 SMI CRDs serve the expected versions"));
  }

  @Test
  void noneInstalledNamesEachMissingOne() {
    ClusterObjects.failsWith(check())
        .contains("trafficsplits.split.smi-spec.io missing")
        .endsWith("; apply chart/crds/ (kubectl apply -f chart/crds/)");
  }

  @Test
  void aCrdServingAnotherVersionNamesBoth() {
    installAll();
    crd("traffictargets.access.smi-spec.io", "v1alpha1");
    assertThat(check().detail())
        .isEqualTo(
            "traffictargets.access.smi-spec.io serves [v1alpha1], not v1alpha3; apply chart/crds/"
                + " (kubectl apply -f chart/crds/)");
  }
}
