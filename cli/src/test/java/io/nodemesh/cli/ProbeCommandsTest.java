package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.testkit.Loopback;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The probe pods' commands on real loopback sockets: {@code probe-call} exits 0 only when it gets
 * {@code probe-serve}'s greeting, 1 when nothing answers (the pod's phase is the probe's answer);
 * and {@code check}'s probe flags.
 */
class ProbeCommandsTest {
  private static int run(String... args) {
    StringWriter out = new StringWriter();
    return Main.run(args, new PrintWriter(out), new PrintWriter(new StringWriter()));
  }

  @Test
  void callReachesServeAndNothingElse() {
    int port = Loopback.freePort();
    Thread serve = new Thread(() -> run("probe-serve", "--port", String.valueOf(port)));
    // The server runs until the JVM ends, as in its pod.
    serve.setDaemon(true);
    serve.start();
    String target = "127.0.0.1:" + port;
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> run("probe-call", "--target", target, "--attempts", "1") == 0);
    int closed = Loopback.freePort();
    assertThat(
            run(
                "probe-call",
                "--target",
                "127.0.0.1:" + closed,
                "--attempts",
                "1",
                "--timeout-ms",
                "500"))
        .isEqualTo(1);
  }

  @Test
  void probeImageWithoutTheProbeIsAUsageError() {
    assertThat(run("check", "--probe-image", "x")).isEqualTo(2);
  }
}
