package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node-to-node mTLS flags (issue 14): what they need, as one-line usage errors. */
class TunnelFlagsTest {
  @TempDir Path dir;

  void usageError(CliTest.Result r, String line) {
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow()).contains(line);
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void anUnknownModeIsAUsageError() {
    usageError(
        CliTest.run("controller", "--source", dir.toString(), "--mtls-mode", "sometimes"),
        "unknown mtls mode 'sometimes' (expected off, permissive or strict)");
  }

  @Test
  void aModeOtherThanOffNeedsTheCa() {
    usageError(
        CliTest.run("controller", "--source", dir.toString(), "--mtls-mode", "strict"),
        "--mtls-mode strict needs --ca");
  }

  @Test
  void theProxysTunnelNeedsCertificates() {
    usageError(
        CliTest.run("proxy", "--controller", "http://127.0.0.1:1", "--tunnel-port", "15008"),
        "--tunnel-port needs --ca-token-file");
    usageError(
        CliTest.run("proxy", "--controller", "http://127.0.0.1:1", "--tunnel-port", "70000"),
        "--tunnel-port must be in 0..65535");
  }

  @Test
  void podPoolSettingsOutOfRangeAreUsageErrors() {
    String[][] flagValueError = {
      {"--pod-pool-max-idle", "-1", "pod pool max idle -1 is not in 0..1024"},
      {"--pod-pool-max-idle", "many", "--pod-pool-max-idle must be a number 0-1024 (got 'many')"},
      {"--pod-pool-idle-timeout", "0s", "--pod-pool-idle-timeout must be a positive duration"}
    };
    for (String[] c : flagValueError) {
      usageError(CliTest.run("proxy", "--controller", "http://127.0.0.1:1", c[0], c[1]), c[2]);
    }
  }
}
