package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.nodemesh.testkit.K8s;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nodemesh crds apply} against the fabric8 mock API server. The mock does not implement
 * server-side apply (it answers 415 in CRUD mode), so it is told to accept the apply patches, and
 * the test checks what reached it: one server-side apply per bundled CRD, forced, by field manager
 * nodemesh, carrying every version the jar's CRD serves. What the API server then does with an
 * apply (create, or update in place what Helm never upgrades) is Kubernetes' own behaviour.
 */
class CrdsCommandTest {
  static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/";
  static final String APPLY_QUERY = "?fieldManager=nodemesh&force=true";

  Path dir;
  KubernetesMockServer server;

  @BeforeEach
  void start(@TempDir Path tmp) {
    dir = tmp;
    server = new KubernetesMockServer(false);
    server.start();
  }

  @AfterEach
  void stop() {
    server.destroy();
  }

  static Path kubeconfig(Path dir, String server) throws IOException {
    Path file = dir.resolve("config-" + Integer.toHexString(server.hashCode()));
    K8s.kubeconfig(file, String.valueOf(server), "admin", "secret");
    return file;
  }

  @Test
  void serverSideAppliesEveryBundledCrdWithItsVersions() throws Exception {
    List<CustomResourceDefinition> bundled = CrdsCommand.bundled();
    assertThat(bundled).hasSize(5);
    for (CustomResourceDefinition crd : bundled) {
      server
          .expect()
          .patch()
          .withPath(CRD_PATH + crd.getMetadata().getName() + APPLY_QUERY)
          .andReturn(200, crd)
          .once();
    }

    CliTest.Result r =
        CliTest.run("crds", "apply", "--kubeconfig", kubeconfig(dir, server.url("/")).toString());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines())
        .hasSize(5)
        .contains(
            "applied customresourcedefinition trafficsplits.split.smi-spec.io (served"
                + " [v1alpha4, v1alpha3, v1alpha2, v1alpha1])");
    Map<String, CustomResourceDefinition> applied = new TreeMap<>();
    while (server.getRequestCount() > 0 && applied.size() < 5) {
      RecordedRequest req = server.takeRequest(10, TimeUnit.SECONDS);
      assertThat(req).as("a request to the mock API server").isNotNull();
      assertThat(req.getMethod()).isEqualTo("PATCH");
      assertThat(req.getHeader("Content-Type")).startsWith("application/apply-patch+yaml");
      String name = req.getPath().substring(CRD_PATH.length()).replace(APPLY_QUERY, "");
      applied.put(
          name, Serialization.unmarshal(req.getBody().readUtf8(), CustomResourceDefinition.class));
    }
    assertThat(applied.keySet())
        .containsExactly(
            "httproutegroups.specs.smi-spec.io",
            "tcproutes.specs.smi-spec.io",
            "trafficsplits.split.smi-spec.io",
            "traffictargets.access.smi-spec.io",
            "udproutes.specs.smi-spec.io");
    CustomResourceDefinition split = applied.get("trafficsplits.split.smi-spec.io");
    assertThat(split.getSpec().getVersions())
        .extracting(CustomResourceDefinitionVersion::getName)
        .containsExactly("v1alpha4", "v1alpha3", "v1alpha2", "v1alpha1");
    assertThat(split.getSpec().getVersions())
        .extracting(CustomResourceDefinitionVersion::getServed)
        .containsOnly(true);
  }

  @Test
  void aRefusalIsOneLineNamingTheCrd() throws IOException {
    {
      server
          .expect()
          .patch()
          .withPath(CRD_PATH + "httproutegroups.specs.smi-spec.io" + APPLY_QUERY)
          .andReturn(
              403,
              new StatusBuilder()
                  .withCode(403)
                  .withMessage("customresourcedefinitions is forbidden: User \"dev\" cannot patch")
                  .build())
          .always();
      String config = kubeconfig(dir, server.url("/")).toString();
      CliTest.Result r = CliTest.run("crds", "apply", "--kubeconfig", config);
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .startsWith(
              "nodemesh apply: customresourcedefinition httproutegroups.specs.smi-spec.io not"
                  + " applied: HTTP 403: customresourcedefinitions is forbidden")
          .doesNotContain("\tat ");
      assertThat(r.err().lines()).hasSize(1);
    }
  }

  @Test
  void anUnreachableApiServerIsOneLine() throws IOException {
    String config = kubeconfig(dir, "https://127.0.0.1:1").toString();
    assertThat(CliTest.stderr(1, "crds", "apply", "--kubeconfig", config))
        .startsWith("nodemesh apply: customresourcedefinition ")
        .doesNotContain("\tat ");
  }

  @Test
  void badUsageIsExitCode2WithUsage() {
    assertThat(CliTest.usageError("crds"))
        .contains("a subcommand is required")
        .contains("Usage: nodemesh crds");

    assertThat(CliTest.usageError("crds", "apply", "--namespace", "x"))
        .contains("Unknown options: '--namespace', 'x'")
        .contains("Usage: nodemesh crds apply");

    assertThat(CliTest.stderr(1, "crds", "apply", "--kubeconfig", dir.resolve("nope").toString()))
        .startsWith("nodemesh apply: --kubeconfig: cannot read");
  }
}
