package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --log-format}: a value other than text or json is a usage error on every command. */
class LogFormatFlagTest {
  @ParameterizedTest
  @ValueSource(strings = {"controller", "proxy", "dns"})
  void unknownFormatIsAUsageErrorNamingTheFlag(String command) {
    CliTest.Result r =
        command.equals("proxy")
            ? CliTest.run(command, "--controller", "http://127.0.0.1:1", "--log-format", "xml")
            : CliTest.run(command, "--log-format", "xml");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow())
        .contains("--log-format must be text or json (got 'xml')");
    assertThat(r.err()).contains("Usage: nodemesh " + command).doesNotContain("\tat ");
  }
}
