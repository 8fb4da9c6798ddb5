package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.Wire;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SIGTERM to a proxy process started with a drain delay ({@code nodemesh proxy --drain-delay}): for
 * the delay it still accepts new connections and serves them, every response saying {@code
 * Connection: close}; then it stops accepting and exits. This is what keeps callers whole while
 * kube-proxy on the node still sends new connections to a terminating proxy pod.
 */
class DrainDelayIT {
  static final String GET = "GET / HTTP/1.1\r\nHost: web.default.mesh\r\n\r\n";
  // Long enough that a loaded machine can make several connections inside it.
  static final long DELAY_MILLIS = 6000;

  @RegisterExtension final HttpBackend backend = HttpBackend.start("web");

  @Test
  void sigtermKeepsAcceptingForTheDelayWithConnectionCloseThenExits() throws Exception {
    int port = Ports.free();
    try (ChildProxy child = new ChildProxy("128m", backend.port(), port, 10_000, DELAY_MILLIS);
        Wire idle = new Wire(port)) {
      Wire.Answer before = idle.exchange(GET);
      assertThat(before.status()).isEqualTo(200);
      assertThat(before.headers()).doesNotContainKey("connection");

      long t0 = System.nanoTime();
      child.terminate();

      // A new connection after SIGTERM is accepted and answered; once the drain has begun, the
      // answer says Connection: close and the proxy closes the connection after it. Without the
      // delay the listener is closed at SIGTERM and every attempt here is refused.
      await()
          .atMost(Duration.ofMillis(DELAY_MILLIS - 1500))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                try (Wire fresh = new Wire(port)) {
                  Wire.Answer a = fresh.exchange(GET);
                  assertThat(a.status()).isEqualTo(200);
                  assertThat(a.body()).isEqualTo("web");
                  if ("close".equals(a.headers().get("connection"))) {
                    assertThat(fresh.closedWithin(3000)).as("closed after the response").isTrue();
                    return true;
                  }
                  return false;
                }
              });
      long servedWhileDraining = (System.nanoTime() - t0) / 1_000_000;
      // Still accepting well into the delay: a second fresh connection, answered the same way.
      try (Wire again = new Wire(port)) {
        Wire.Answer a = again.exchange(GET);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.headers()).containsEntry("connection", "close");
      }
      long secondServed = (System.nanoTime() - t0) / 1_000_000;
      assertThat(secondServed).as("served inside the delay").isLessThan(DELAY_MILLIS);
      // The idle keep-alive connection opened before SIGTERM is closed by the drain.
      assertThat(idle.closedWithin(3000)).as("idle keep-alive connection closed").isTrue();

      // After the delay: no longer accepting, and the process exits.
      await()
          .atMost(Duration.ofMillis(DELAY_MILLIS + 5000))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> Ports.refused(port));
      long refused = (System.nanoTime() - t0) / 1_000_000;
      assertThat(refused).as("refuses only after the delay").isGreaterThanOrEqualTo(DELAY_MILLIS);
      assertThat(child.waitFor(15)).as("exits after the delay and the drain").isTrue();
      long exited = (System.nanoTime() - t0) / 1_000_000;
      String report = child.nextLine(5);
      assertThat(report).as("the drain hook's report").startsWith("DRAINED ");
      assertThat(Long.parseLong(report.substring("DRAINED ".length())))
          .isGreaterThanOrEqualTo(DELAY_MILLIS);
      Load.record(
          "[reliability] sigterm with a "
              + DELAY_MILLIS
              + " ms drain delay: new connection served with Connection: close "
              + servedWhileDraining
              + " ms after SIGTERM, another at "
              + secondServed
              + " ms, refused from "
              + refused
              + " ms, exited at "
              + exited
              + " ms");
    }
  }
}
