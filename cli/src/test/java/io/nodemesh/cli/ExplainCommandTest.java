package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class ExplainCommandTest {

  @Test
  void fromAndToAreRequired() {
    CliTest.Result r = CliTest.run("explain", "--to", "api.shop.mesh");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("nodemesh: Missing required option: '--from=NS/POD'");
  }

  @Test
  void aHeaderWithoutValueIsAUsageError() {
    CliTest.Result r =
        CliTest.run("explain", "--from", "a/b", "--to", "api.shop.mesh", "--header", "x-token");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("nodemesh: --header 'x-token' is not NAME=VALUE");
  }

  @Test
  void anUnreachableControllerIsOneLine() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    CliTest.Result r =
        CliTest.run(
            "explain",
            "--controller",
            "http://127.0.0.1:" + closedPort,
            "--from",
            "a/b",
            "--to",
            "api.shop.mesh");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().lines().toList())
        .singleElement()
        .asString()
        .startsWith(
            "nodemesh explain: cannot reach the controller at http://127.0.0.1:" + closedPort);
  }

  @Test
  void theControllerCommandTakesAcl() {
    assertThat(CliTest.run("controller", "--help").out()).contains("--acl");
    assertThat(CliTest.run("local", "--help").out()).contains("--acl");
  }
}
