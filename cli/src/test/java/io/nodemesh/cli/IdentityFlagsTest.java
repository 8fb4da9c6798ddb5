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
    assertUsageError(
        "--ca needs the Kubernetes API, --proxy-service-account and --tls-cert",
        "controller",
        "--source",
        dir.toString(),
        "--ca");
  }

  @Test
  void aLifetimeOutOfRangeIsAUsageError() throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "x");
    assertUsageError(
        "must be between 10m and 24h",
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
  }

  @Test
  void certificatesAreAskedForOnlyOverPinnedTls() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "t");
    assertUsageError(
        "--ca-token-file needs an https:// --controller and --controller-ca",
        "proxy",
        "--controller",
        "http://127.0.0.1:1",
        "--ca-token-file",
        token.toString());
  }

  /**
   * {@code nodemesh args}: exit code 2, the first line of stderr names the mistake ({@code
   * message}), and no stack trace follows.
   */
  static void assertUsageError(String message, String... args) {
    CliTest.Result r = CliTest.run(args);
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow()).contains(message);
    assertThat(r.err()).doesNotContain("\tat ");
  }
}
