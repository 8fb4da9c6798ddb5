package io.nodemesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Corefiles as clusters ship them (src/test/resources/corefiles, named SHAPE-VERSION), through
 * prepare, prepare again and cleanup, with every result syntax-checked for the release.
 */
class CorefileFixturesTest {
  private static final MeshDnsSettings MESH = new MeshDnsSettings("mesh", "10.96.0.53");

  static String fixture(String name) {
    try (InputStream in = CorefileFixturesTest.class.getResourceAsStream("/corefiles/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Each fixture and the CoreDNS image it ships with. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "kubeadm-1.11.Corefile, registry.k8s.io/coredns/coredns:v1.11.1",
    "k3s-1.10.Corefile, rancher/mirrored-coredns-coredns:1.10.1",
    "eks-1.8.Corefile, 602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/coredns"
        + ":v1.8.7-eksbuild.3",
    "aks-1.9.Corefile, mcr.microsoft.com/oss/kubernetes/coredns:v1.9.4-hotfix.20230322",
    "kubeadm-1.6.Corefile, k8s.gcr.io/coredns:1.6.7",
    "stubs-1.8.Corefile, k8s.gcr.io/coredns/coredns:v1.8.0",
    "crlf-1.8.Corefile, coredns/coredns:1.8.6@sha256:5b6ec0d6de9baaf3",
    "kubeadm-1.2-proxy.Corefile, k8s.gcr.io/coredns:1.2.6",
    "old-block-1.11.Corefile, registry.k8s.io/coredns/coredns:v1.11.3",
  })
  void prepareTwiceThenCleanupRestoresByteForByteAndEveryStepIsValid(String name, String image) {
    CoreDnsVersion version = CoreDnsVersion.fromImage(image).orElseThrow();
    String original = fixture(name);
    assertThat(CorefileSyntax.problems(original, version)).as("fixture itself").isEmpty();

    String once = CorefilePatch.apply(original, MESH, version);
    assertThat(CorefileSyntax.problems(once, version)).as("after prepare").isEmpty();
    assertThat(once).contains("mesh:53 {").contains("forward mesh. 10.96.0.53");
    assertThat(CorefilePatch.apply(once, MESH, version)).as("prepare again").isEqualTo(once);

    String cleaned = CorefilePatch.restore(once);
    assertThat(CorefileSyntax.problems(cleaned, version)).isEmpty();
    String expected =
        CorefilePatch.isPatched(original) ? fixture("kubeadm-1.11.Corefile") : original;
    assertThat(cleaned.getBytes(StandardCharsets.UTF_8))
        .isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anOldBlockIsReplacedNotDuplicated() {
    String old = fixture("old-block-1.11.Corefile");
    String patched = CorefilePatch.apply(old, MESH, new CoreDnsVersion(1, 11, 3));
    assertThat(patched).doesNotContain("10.96.7.7").contains("10.96.0.53");
    assertThat(patched.split("mesh:53", -1)).hasSize(2);
  }

  @Test
  void releasesBeforeForwardGetProxyWhichTheyHave() {
    CoreDnsVersion v105 = new CoreDnsVersion(1, 0, 5);
    String patched = CorefilePatch.apply(".:53 {\n    proxy . /etc/resolv.conf\n}\n", MESH, v105);
    assertThat(patched).contains("proxy mesh. 10.96.0.53").doesNotContain("forward");
    assertThat(CorefileSyntax.problems(patched, v105)).isEmpty();
  }

  @Test
  void theCheckerCatchesWhatCrashesCoreDns() {
    CoreDnsVersion v17 = new CoreDnsVersion(1, 7, 0);
    assertThat(CorefileSyntax.problems(fixture("kubeadm-1.2-proxy.Corefile"), v17))
        .containsExactly("line 10: plugin 'proxy' is not in CoreDNS 1.7.0");
    assertThat(CorefileSyntax.problems(".:53 {\n    ready\n}\n", new CoreDnsVersion(1, 4, 0)))
        .containsExactly("line 2: plugin 'ready' is not in CoreDNS 1.4.0");
    assertThat(CorefileSyntax.problems(".:53 {\n    errors\n", v17))
        .containsExactly("line 1: the server block '.:53' is never closed");
    assertThat(CorefileSyntax.problems(".:53 {\n  cache {\n    success 10\n}\n", v17))
        .containsExactly("line 1: the server block '.:53' is never closed");
    assertThat(CorefileSyntax.problems("mesh:53 {\n errors\n}\nmesh {\n errors\n}\n", v17))
        .containsExactly("line 4: mesh.:53 is already served by the block on line 1");
    assertThat(CorefileSyntax.problems(".:53 {\n    frobnicate\n}\n", v17))
        .containsExactly("line 2: unknown plugin 'frobnicate'");
    assertThat(CorefileSyntax.problems("bad key! {\n errors\n}\n", v17)).hasSize(1);
  }

  @Test
  void theCustomServerFileIsAValidCorefileOnItsOwn() {
    CoreDnsVersion v19 = new CoreDnsVersion(1, 9, 4);
    String file = CorefilePatch.serverFile(MESH, v19);
    assertThat(CorefileSyntax.problems(file, v19)).isEmpty();
    String aks = fixture("aks-1.9.Corefile");
    // What CoreDNS sees once it imports the file: the Corefile and the block side by side.
    assertThat(CorefileSyntax.problems(aks + file, v19)).isEmpty();
  }

  @Test
  void versionsAreReadFromTheImageTagsVendorsUse() {
    assertThat(CoreDnsVersion.fromImage("registry.k8s.io/coredns/coredns:v1.11.1"))
        .contains(new CoreDnsVersion(1, 11, 1));
    assertThat(CoreDnsVersion.fromImage("localhost:5000/coredns:1.10.1@sha256:abc"))
        .contains(new CoreDnsVersion(1, 10, 1));
    assertThat(CoreDnsVersion.fromImage("eks/coredns:v1.8.7-eksbuild.3"))
        .contains(new CoreDnsVersion(1, 8, 7));
    assertThat(CoreDnsVersion.fromImage("localhost:5000/coredns")).isEmpty();
    assertThat(CoreDnsVersion.fromImage("coredns/coredns:latest")).isEmpty();
    assertThat(CoreDnsVersion.fromImage("coredns@sha256:abc")).isEmpty();
    assertThat(new CoreDnsVersion(1, 10, 0)).isGreaterThan(new CoreDnsVersion(1, 9, 4));
  }
}
