package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.RawHttpBackend;
import io.nodemesh.testkit.Wire;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backends that answer with malformed or ambiguous responses. A response the proxy cannot frame
 * safely is never forwarded: the client gets a 502 (or, once the response has started, a closed
 * connection), the refusal is counted, and the next request works.
 */
class MalformedResponseIT {
  static final String GET = "GET / HTTP/1.1\r\nHost: web.default.mesh\r\n\r\n";
  static final String BAD_GATEWAY = "HTTP/1.1 502 Bad Gateway";

  static RawHttpBackend backend;
  static NodeProxy proxy;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    backend = new RawHttpBackend();
    proxy =
        NodeProxy.start(
            new ProxyOptions(null, "127.0.0.1", 0, -1, "reliability", 2),
            HttpProxySettings.defaults(),
            LimitSettings.defaults());
    port = Ports.free();
    proxy.apply(
        MeshConfigs.config(
            1, MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(backend.backend("web")))));
  }

  @AfterAll
  static void stop() throws Exception {
    proxy.close();
    backend.close();
  }

  record Case(String name, String response) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> refusedHeads() {
    String ok = "Content-Length: 2\r\n\r\nok";
    return Stream.of(
        new Case("status_not_a_number", "HTTP/1.1 abc OK\r\n" + ok),
        new Case("status_999", "HTTP/1.1 999 Odd\r\n" + ok),
        new Case("status_1000", "HTTP/1.1 1000 Odd\r\n" + ok),
        new Case("status_099", "HTTP/1.1 099 Odd\r\n" + ok),
        new Case("not_http_at_all", "SSH-2.0-OpenSSH_9.2\r\n\r\n"),
        new Case("version_2_0", "HTTP/2.0 200 OK\r\n" + ok),
        new Case(
            "cl_and_te",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "2\r\nok\r\n0\r\n\r\n"),
        new Case(
            "cl_duplicate_different",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"),
        new Case("cl_not_a_number", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nok"),
        new Case("bare_lf", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"),
        new Case("nul_in_header_value", "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n" + ok),
        new Case("header_too_large", "HTTP/1.1 200 OK\r\nX-A: " + "a".repeat(9000) + "\r\n" + ok));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedHeads")
  void malformedResponseHeadIs502AndCounted(Case c) throws Exception {
    long before = total();
    backend.next(c.response());
    try (Wire w = new Wire(port)) {
      Wire.Answer a = w.exchange(GET);
      assertThat(a.statusLine()).isEqualTo(BAD_GATEWAY);
      assertThat(a.body()).startsWith("bad gateway: service default/web endpoint 127.0.0.1:");
      // The client's connection was fine: it stays open for the next request.
      assertThat(w.exchange(GET).body()).isEqualTo("normal");
    }
    assertThat(total()).isEqualTo(before + 1);
  }

  @Test
  void badChunkAfterTheHeadClosesTheClientConnectionInsteadOfEndingTheBody() throws Exception {
    long before = total();
    backend.next("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\nevil\r\n");
    try (Wire w = new Wire(port)) {
      w.send(GET);
      String raw = w.drain();
      assertThat(raw).startsWith("HTTP/1.1 200 OK\r\n");
      // The status was already sent; the truthful signal left is a close before the last chunk.
      assertThat(raw).contains("ok").doesNotContain("evil").doesNotEndWith("0\r\n\r\n");
    }
    assertThat(total()).isEqualTo(before + 1);
    normalRequestStillWorks();
  }

  @Test
  void bodyShorterThanContentLengthIsACloseNotASuccess() throws Exception {
    backend.nextThenClose("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok");
    try (Wire w = new Wire(port)) {
      w.send(GET);
      String raw = w.drain();
      assertThat(raw).startsWith("HTTP/1.1 200 OK\r\n");
      assertThat(raw.toLowerCase(java.util.Locale.ROOT)).contains("content-length: 10");
      assertThat(raw.substring(raw.indexOf("\r\n\r\n") + 4)).isEqualTo("ok");
    }
    normalRequestStillWorks();
  }

  @Test
  void closeWithoutAnyResponseIs502() throws Exception {
    backend.next(null);
    try (Wire w = new Wire(port)) {
      Wire.Answer a = w.exchange(GET);
      assertThat(a.statusLine()).isEqualTo(BAD_GATEWAY);
      assertThat(a.body()).endsWith("connection closed before the response\n");
    }
    normalRequestStillWorks();
  }

  @Test
  void bytesAfterTheResponseNeverReachTheNextRequest() throws Exception {
    // Response splitting from the backend side: a second response glued to the first. It must
    // not be served to whoever borrows the pooled connection next.
    backend.next(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
            + "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil");
    try (Wire w = new Wire(port)) {
      assertThat(w.exchange(GET).body()).isEqualTo("ok");
      for (int i = 0; i < 5; i++) {
        assertThat(w.exchange(GET).body()).isEqualTo("normal");
      }
    }
  }

  static long total() {
    return proxy.limits().rejections().total(RejectReason.BAD_RESPONSE);
  }

  static void normalRequestStillWorks() throws Exception {
    try (Wire w = new Wire(port)) {
      assertThat(w.exchange(GET).body()).isEqualTo("normal");
    }
  }
}
