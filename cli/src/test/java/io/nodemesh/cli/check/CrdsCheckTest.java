package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
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
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .resource(
            new CustomResourceDefinitionBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withGroup(name.substring(name.indexOf('.') + 1))
                .withScope("Namespaced")
                .withNewNames()
                .withPlural(name.substring(0, name.indexOf('.')))
                .withKind("K" + name.substring(0, name.indexOf('.')))
                .endNames()
                .addNewVersion()
                .withName(version)
                .withServed(true)
                .withStorage(true)
                .endVersion()
                .endSpec()
                .build())
        .createOr(op -> op.update());
  }

  void installAll() {
    for (String entry : CrdsCheck.CRDS) {
      crd(entry.substring(0, entry.indexOf('=')), entry.substring(entry.indexOf('=') + 1));
    }
  }

  @Test
  void everyCrdAtItsVersionPasses() {
    installAll();
    assertThat(check())
        .isEqualTo(CheckItem.pass("crds", "all 5 SMI CRDs serve the expected versions"));
  }

  @Test
  void noneInstalledNamesEachMissingOne() {
    CheckItem item = check();
    assertThat(item.status()).isEqualTo(CheckItem.Status.FAIL);
    assertThat(item.detail())
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
