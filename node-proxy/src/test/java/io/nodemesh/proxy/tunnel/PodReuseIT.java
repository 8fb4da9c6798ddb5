package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.Protocol;
import io.nodemesh.config.tunnel.MtlsMode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The destination proxy's pooled pod connections (issue 14): a pod that closes a kept-alive
 * connection instead of answering the next request fails that one request with {@code 502}, and the
 * proxy does not send it again (a POST is not idempotent, RFC 9110 §9.2.2).
 */
class PodReuseIT {
  private TwoNodes nodes;
  private final ServerSocket pod = new ServerSocket();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private int dbPort;

  PodReuseIT() throws Exception {
    pod.bind(new InetSocketAddress("127.0.0.1", 0));
    Thread.ofVirtual().start(this::serve);
  }

  @AfterEach
  void stop() throws IOException {
    try (pod) {
      if (nodes != null) {
        nodes.close();
      }
    }
  }

  /** Answers the first request of each connection (keep-alive), then closes on the second. */
  private void serve() {
    while (!pod.isClosed()) {
      try (Socket s = pod.accept()) {
        connections.incrementAndGet();
        BufferedReader in =
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        readRequest(in);
        s.getOutputStream()
            .write(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        readRequest(in);
      } catch (IOException e) {
        // The test closed the pod, or a connection ended: nothing to answer.
      }
    }
  }

  private void readRequest(BufferedReader in) throws IOException {
    String line;
    int length = 0;
    boolean chunked = false;
    while ((line = in.readLine()) != null && !line.isEmpty()) {
      String h = line.toLowerCase(Locale.ROOT);
      if (h.startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
      chunked |= h.startsWith("transfer-encoding:") && h.contains("chunked");
    }
    // A body-less request may come chunked (RFC 9112 §7.1): skip to the last chunk and its end.
    while (chunked && line != null && !line.equals("0")) {
      line = in.readLine();
    }
    if (chunked && line != null) {
      line = in.readLine();
    }
    if (line == null) {
      throw new IOException("closed");
    }
    in.skip(length);
    requests.incrementAndGet();
  }

  @Test
  void aPodClosingAPooledConnectionFailsTheRequestWith502AndNoRetry() throws Exception {
    serveDb(PodPoolSettings.DEFAULTS);

    assertThat(get("/one")).startsWith("HTTP/1.1 200").endsWith("ok");
    assertThat(
            TwoNodes.exchange(
                "127.0.0.21",
                dbPort,
                "POST /two HTTP/1.1\r\nHost: db\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"))
        .as("pod connections %s, requests %s", connections, requests)
        .startsWith("HTTP/1.1 502");
    // The POST went on the kept-alive connection, once: no second connection, no second copy.
    assertThat(connections).hasValue(1);
    assertThat(requests).hasValue(2);
  }

  /**
   * The same pod, a GET: idempotent (RFC 9110 §9.2.2), so the destination sends it once more on a
   * fresh connection instead of answering 502 (RFC 9112 §9.3.1); the pool's meters count the reuse
   * and the retry, node b's own, not node a's. Failed with 502 before the retry.
   */
  @Test
  void anIdempotentRequestOnAClosingPooledConnectionGoesAgainOnAFreshOne() throws Exception {
    serveDb(PodPoolSettings.DEFAULTS);

    assertThat(get("/one")).startsWith("HTTP/1.1 200").endsWith("ok");
    assertThat(get("/two"))
        .as("pod connections %s, requests %s", connections, requests)
        .startsWith("HTTP/1.1 200")
        .endsWith("ok");
    // /two met the pooled connection, which the pod closed on reading it, then a new one.
    assertThat(connections).hasValue(2);
    assertThat(requests).hasValue(3);
    assertThat(podMetric("nodemesh_tunnel_pod_reuses_total")).isEqualTo(1);
    assertThat(podMetric("nodemesh_tunnel_pod_retries_total")).isEqualTo(1);
    assertThat(TwoNodes.metric(nodes.a, TwoNodes.A, "nodemesh_tunnel_pod_reuses_total")).isZero();
  }

  /**
   * With {@code --pod-pool-max-idle 0} on node b nothing is pooled there: each request has its own
   * connection. The setting is node b's proxy's alone, node a keeps the default.
   */
  @Test
  void aPoolOfZeroKeepsNoConnection() throws Exception {
    serveDb(new PodPoolSettings(0, Duration.ofSeconds(4)));
    assertThat(get("/one")).startsWith("HTTP/1.1 200");
    assertThat(get("/two")).startsWith("HTTP/1.1 200");
    assertThat(connections).hasValue(2);
    assertThat(requests).hasValue(2);
    assertThat(podMetric("nodemesh_tunnel_pod_evictions_total", "reason=\"cap\"")).isEqualTo(2);
    assertThat(podMetric("nodemesh_tunnel_pod_reuses_total")).isZero();
  }

  /**
   * Two node proxies, node b's pod pools with {@code podPoolB}, and Service db on a free port of
   * node a, its one endpoint the pod on node b.
   */
  private void serveDb(PodPoolSettings podPoolB) throws Exception {
    nodes = new TwoNodes(podPoolB);
    dbPort = TwoNodes.freePort(TwoNodes.A);
    nodes.apply(MtlsMode.STRICT, TwoNodes.db(Protocol.HTTP, dbPort, pod.getLocalPort()));
  }

  private String get(String path) throws IOException {
    return TwoNodes.exchange(
        "127.0.0.21", dbPort, "GET " + path + " HTTP/1.1\r\nHost: db\r\nConnection: close\r\n\r\n");
  }

  private double podMetric(String name, String... labels) throws Exception {
    return TwoNodes.metric(nodes.b, TwoNodes.B, name, labels);
  }
}
