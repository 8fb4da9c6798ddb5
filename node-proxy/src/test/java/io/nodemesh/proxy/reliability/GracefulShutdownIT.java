package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.Wire;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SIGTERM to a proxy process with one idle keep-alive connection and one request in flight: it
 * stops accepting at once, closes the idle connection after a short grace, finishes the in-flight
 * request with {@code Connection: close}, and exits well inside the grace period. Under load, every
 * request sent on an open connection is answered.
 */
class GracefulShutdownIT {
  static final String GET = "GET / HTTP/1.1\r\nHost: web.default.mesh\r\n\r\n";

  @RegisterExtension final HttpBackend backend = HttpBackend.start("web");

  @Test
  void sigtermDrainsGracefully() throws Exception {
    int port = Ports.free();
    try (ChildProxy child = new ChildProxy("128m", backend.port(), port, 10_000);
        Wire idle = new Wire(port);
        Wire busy = new Wire(port)) {
      assertThat(idle.exchange(GET).status()).isEqualTo(200);
      backend.hold = new CountDownLatch(1);
      busy.send(GET);
      await().atMost(Duration.ofSeconds(5)).until(() -> backend.received.get() == 2);

      long t0 = System.nanoTime();
      child.terminate();
      await().atMost(Duration.ofSeconds(3)).until(() -> Ports.refused(port));
      long stoppedAccepting = (System.nanoTime() - t0) / 1_000_000;
      // An idle connection gets a short grace (a request may be on its way), then is closed
      // without a word: nothing was asked.
      assertThat(idle.closedWithin(3000)).as("idle keep-alive connection closed").isTrue();
      long idleClosed = (System.nanoTime() - t0) / 1_000_000;

      backend.hold.countDown();
      Wire.Answer a = busy.read();
      assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(a.body()).isEqualTo("web");
      assertThat(a.headers()).containsEntry("connection", "close");
      assertThat(busy.closedWithin(3000)).isTrue();
      assertThat(child.waitFor(10)).as("exits within the 10 s grace period").isTrue();
      long exited = (System.nanoTime() - t0) / 1_000_000;
      String drained = child.nextLine(5);
      assertThat(drained)
          .as("the drain hook's report, exit " + child.exitValue())
          .startsWith("DRAINED ");
      Load.record(
          "[reliability] sigterm: stopped accepting within "
              + stoppedAccepting
              + " ms, idle connection closed after "
              + idleClosed
              + " ms, in-flight request finished with Connection: close,"
              + " process exited "
              + exited
              + " ms after SIGTERM");
    }
  }

  @Test
  void sigtermUnderLoadNeverAnswersAnErrorStatus() throws Exception {
    int port = Ports.free();
    try (ChildProxy child = new ChildProxy("128m", backend.port(), port, 10_000)) {
      Load.warmUp(port, "web.default.mesh", 1000);
      Load load = new Load("sigterm-under-load", port, "web.default.mesh", 500, DURATION, 25);
      java.util.concurrent.CompletableFuture<Load.Result> run = load.start();
      long t0 = System.nanoTime();
      // Pacing of the scenario: SIGTERM half-way through the run.
      java.util.concurrent.locks.LockSupport.parkNanos(
          t0 + DURATION.dividedBy(2).toNanos() - System.nanoTime());
      child.terminate();
      assertThat(child.waitFor(15)).isTrue();
      Load.Result r = run.get();
      // After SIGTERM the proxy refuses new connections (Kubernetes has taken it out of the
      // Service by then). Every request sent on an open connection is answered, the last one with
      // Connection: close; none gets an error status, a reset or silence.
      assertThat(r.failures().keySet()).as(r.line()).containsOnly("ConnectException");
      assertThat(r.ok()).isGreaterThanOrEqualTo(r.sent() / 2 - 500);
    }
  }

  static final Duration DURATION = Duration.ofSeconds(4);
}
