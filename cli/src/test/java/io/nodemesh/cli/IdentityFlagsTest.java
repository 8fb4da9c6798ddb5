package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workload identity flags (issue 14): what they need, as one-line usage errors. */
class IdentityFlagsTest {
  @TempDir Path dir;

  @Test
  void theCaNeedsTheKubernetesApiProxyAuthenticationAndTls() {
    CliTest.Result r = CliTest.run("controller", "--source", dir.toString(), "--ca");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow())
        .contains("--ca needs the Kubernetes API, --proxy-service-account and --tls-cert");
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void aLifetimeOutOfRangeIsAUsageError() throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "x");
    CliTest.Result r =
        CliTest.run(
            "controller",
            "--ca",
            "--proxy-service-account",
            "nodemesh-proxy",
            "--certificate-lifetime-minutes",
            "5",
            "--tls-cert",
            cert.toString(),
            "--tls-key",
            cert.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow()).contains("must be between 10m and 24h");
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void certificatesAreAskedForOnlyOverPinnedTls() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "t");
    CliTest.Result r =
        CliTest.run(
            "proxy", "--controller", "http://127.0.0.1:1", "--ca-token-file", token.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow())
        .contains("--ca-token-file needs an https:// --controller and --controller-ca");
  }
}
