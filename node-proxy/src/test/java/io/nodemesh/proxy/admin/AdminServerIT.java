package io.nodemesh.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodemesh.config.MeshConfig;
import io.nodemesh.testkit.Wire;
import io.nodemesh.testkit.Wire.Answer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin server on real sockets, byte for byte: the answers the Helidon server gave (paths,
 * status codes, content types, "Endpoint not found"), a 4xx and a close for malformed requests,
 * pipelined answers in order, and a slow scrape that holds no probe.
 */
class AdminServerIT {
  private final LateView view = new LateView();
  private final CountDownLatch scrapeMayReturn = new CountDownLatch(1);
  private volatile boolean slowScrape;
  private AdminServer server;

  @BeforeEach
  void start() {
    server = AdminServer.start("127.0.0.1", 0, view);
  }

  @AfterEach
  void stop() {
    scrapeMayReturn.countDown();
    server.stop();
  }

  private void ready(long version) {
    MeshConfig config = new MeshConfig(version, "mesh", List.of());
    view.bind(new FixedView(config, port -> true, () -> scrape(version)));
  }

  private String scrape(long version) {
    if (slowScrape) {
      try {
        scrapeMayReturn.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return "nodemesh_config_version " + version + ".0\n";
  }

  @Test
  void answersEachRouteAsBefore() throws Exception {
    try (Wire w = new Wire(server.port())) {
      Answer ping = w.get("/ping", "admin");
      assertThat(ping.status()).isEqualTo(200);
      assertThat(ping.body()).isEqualTo("pong");
      assertThat(ping.headers())
          .containsEntry("content-type", "text/plain")
          .containsEntry("content-length", "4")
          .containsEntry("connection", "keep-alive")
          .containsKey("date");

      Answer notReady = w.get("/ready", "admin");
      assertThat(notReady.status()).isEqualTo(503);
      assertThat(notReady.body()).isEqualTo("no config applied yet");
      assertThat(w.get("/config", "admin").body()).isEqualTo("{\"version\":-1,\"listeners\":[]}");

      ready(7);
      Answer isReady = w.get("/ready", "admin");
      assertThat(isReady.status()).isEqualTo(200);
      assertThat(isReady.body()).isEqualTo("ready, config version 7");
      Answer metrics = w.get("/metrics", "admin");
      assertThat(metrics.headers())
          .containsEntry("content-type", "text/plain; version=0.0.4; charset=utf-8");
      assertThat(metrics.body()).isEqualTo("nodemesh_config_version 7.0\n");
      Answer config = w.get("/config", "admin");
      assertThat(config.headers()).containsEntry("content-type", "application/json");
      assertThat(config.body()).isEqualTo("{\"version\":7,\"listeners\":[]}");
    }
  }

  @Test
  void pathsAreNormalisedAndEverythingElseIsNotFound() throws Exception {
    try (Wire w = new Wire(server.port())) {
      for (String same : List.of("//ping", "/x/../ping", "/./ping", "/%70ing", "/ping?x=1")) {
        assertThat(w.get(same, "admin").body()).as(same).isEqualTo("pong");
      }
      assertThat(w.exchange("GET http://admin/ping HTTP/1.1\r\nHost: admin\r\n\r\n").body())
          .isEqualTo("pong");
      for (String other : List.of("/ping/", "/PING", "/nope", "/")) {
        Answer a = w.get(other, "admin");
        assertThat(a.status()).as(other).isEqualTo(404);
        assertThat(a.body()).as(other).isEqualTo("Endpoint not found");
      }
      for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS")) {
        Answer a =
            w.exchange(method + " /ping HTTP/1.1\r\nHost: admin\r\nContent-Length: 2\r\n\r\nhi");
        assertThat(a.status()).as(method).isEqualTo(404);
      }
      assertThat(w.get("/ping", "admin").status()).as("still open after all that").isEqualTo(200);
    }
  }

  @Test
  void malformedRequestsGetA4xxAndAClose() throws Exception {
    String longLine = "GET /ping?" + "a".repeat(AdminServer.MAX_REQUEST_LINE) + " HTTP/1.1\r\n";
    String bigHeader = "X-Big: " + "a".repeat(AdminServer.MAX_HEADER_BYTES) + "\r\n";
    record Case(String raw, int status) {}
    for (Case c :
        List.of(
            new Case("GET /ping HTTP/1.1\r\n\r\n", 400),
            new Case("GET /ping HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            new Case("GET /ping HTTP/1.0\r\nHost: a\r\n\r\n", 505),
            new Case(longLine + "Host: a\r\n\r\n", 414),
            new Case("GET /ping HTTP/1.1\r\nHost: a\r\n" + bigHeader + "\r\n", 400),
            new Case("GET /ping HTTP/1.1\r\nHost: a\r\nContent-Length: zz\r\n\r\n", 400),
            new Case("HELLO\r\n\r\n", 400),
            new Case("GET ping HTTP/1.1\r\nHost: a\r\n\r\n", 400))) {
      try (Wire w = new Wire(server.port())) {
        Answer a = w.exchange(c.raw());
        assertThat(a.status()).as(c.raw()).isEqualTo(c.status());
        assertThat(a.headers()).as(c.raw()).containsEntry("connection", "close");
        assertThat(w.closedByPeer()).as(c.raw()).isTrue();
      }
    }
  }

  @Test
  void aBodyThatDoesNotParseClosesTheConnection() throws Exception {
    try (Wire w = new Wire(server.port())) {
      Answer a =
          w.exchange("POST /ping HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
      assertThat(a.status()).isEqualTo(404);
      assertThat(w.closedByPeer()).isTrue();
    }
  }

  @Test
  void connectionCloseIsHonoured() throws Exception {
    try (Wire w = new Wire(server.port())) {
      Answer a = w.exchange("GET /ping HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      assertThat(a.body()).isEqualTo("pong");
      assertThat(a.headers()).containsEntry("connection", "close");
      assertThat(w.closedByPeer()).isTrue();
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    ready(3);
    try (Wire w = new Wire(server.port())) {
      w.send(
          "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
              + "GET /ping HTTP/1.1\r\nHost: a\r\n\r\n"
              + "GET /config HTTP/1.1\r\nHost: a\r\n\r\n"
              + "GET /ready HTTP/1.1\r\nHost: a\r\n\r\n");
      assertThat(w.read().body()).isEqualTo("nodemesh_config_version 3.0\n");
      assertThat(w.read().body()).isEqualTo("pong");
      assertThat(w.read().body()).startsWith("{\"version\":3");
      assertThat(w.read().body()).isEqualTo("ready, config version 3");
    }
  }

  @Test
  void aSlowScrapeHoldsNoProbe() throws Exception {
    ready(5);
    slowScrape = true;
    try (Wire scraper = new Wire(server.port());
        Wire probe = new Wire(server.port())) {
      scraper.send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
      // The scrape is stuck until the latch opens; the probes are answered meanwhile.
      assertThat(probe.get("/ping", "a").body()).isEqualTo("pong");
      assertThat(probe.get("/ready", "a").status()).isEqualTo(200);
      assertThat(scrapeMayReturn.getCount()).as("the scrape has not returned yet").isEqualTo(1);
      scrapeMayReturn.countDown();
      assertThat(scraper.read().body()).isEqualTo("nodemesh_config_version 5.0\n");
    }
  }

  @Test
  void aTakenPortFailsTheStartWithAClearMessage() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      assertThatThrownBy(() -> AdminServer.start("127.0.0.1", taken.getLocalPort(), view))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
    }
  }
}
