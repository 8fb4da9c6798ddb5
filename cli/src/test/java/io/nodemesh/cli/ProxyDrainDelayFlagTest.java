package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code nodemesh proxy --drain-delay}: what it accepts, and a usage error for anything else. */
class ProxyDrainDelayFlagTest {
  @ParameterizedTest
  @CsvSource({"0, 0", "0s, 0", "500ms, 500", "10s, 10000", "1m30s, 90000"})
  void acceptsZeroAndPositiveDurations(String value, long millis) {
    ProxyCommand proxy = new ProxyCommand();
    CommandLine cmd = new CommandLine(proxy);
    cmd.parseArgs("--controller", "http://127.0.0.1:1", "--drain-delay", value);
    assertThat(proxy.drainDelay()).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"10", "-5s", "soon", ""})
  void anythingElseIsAUsageErrorNamingTheFlag(String value) {
    CliTest.Result r =
        CliTest.run("proxy", "--controller", "http://127.0.0.1:1", "--drain-delay", value);
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow())
        .contains("--drain-delay")
        .contains("'" + value + "'");
    assertThat(r.err()).contains("Usage: nodemesh proxy").doesNotContain("\tat ");
  }

  @Test
  void defaultIsNoDelay() {
    ProxyCommand proxy = new ProxyCommand();
    new CommandLine(proxy).parseArgs("--controller", "http://127.0.0.1:1");
    assertThat(proxy.drainDelay()).isZero();
  }
}
