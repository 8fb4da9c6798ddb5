package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.limits.Rejections;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and malformed requests on a raw socket against a running proxy. Each case asserts the
 * exact status line, that the connection is closed, that the refusal was counted under its reason,
 * and that a normal request on a new connection still works afterwards.
 */
class MalformedRequestIT {
  static final String BAD = "HTTP/1.1 400 Bad Request";
  static final String HOST = "Host: web.default.mesh\r\n";
  static final Duration HEAD_TIMEOUT = Duration.ofMillis(800);
  static final Duration BODY_TIMEOUT = Duration.ofMillis(800);

  @RegisterExtension static final HttpBackend backend = HttpBackend.start("web").forAllTests();

  @RegisterExtension
  static final WebProxy web =
      WebProxy.start(
              new ProxyOptions(null, "127.0.0.1", 0, 0, "reliability", 2),
              LimitSettings.defaults().withReadTimeouts(HEAD_TIMEOUT, BODY_TIMEOUT),
              backend)
          .forAllTests();

  static final NodeProxy proxy = web.proxy;
  static final int port = web.port;

  /** One refused request: bytes on the wire, the exact status line, the counted reason. */
  record Case(String name, String raw, String statusLine, RejectReason reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case c(String name, String raw, String statusLine, RejectReason reason) {
    return new Case(name, raw, statusLine, reason);
  }

  static String post(String headers, String body) {
    return "POST /upload HTTP/1.1\r\n" + HOST + headers + "\r\n" + body;
  }

  static String get(String headers) {
    return "GET / HTTP/1.1\r\n" + HOST + headers + "\r\n";
  }

  static String chunked(String body) {
    return post("Transfer-Encoding: chunked\r\n", body);
  }

  static Stream<Case> refused() {
    List<Case> cases = new ArrayList<>();
    RejectReason framing = RejectReason.AMBIGUOUS_FRAMING;
    // Request smuggling (RFC 9112 §6.1, §6.3): a proxy and a backend must never disagree on where
    // a request ends, so every ambiguous framing is refused and the connection closed.
    cases.add(
        c(
            "cl_and_te",
            post("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
            BAD,
            framing));
    cases.add(
        c(
            "te_and_cl",
            post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "0\r\n\r\n"),
            BAD,
            framing));
    cases.add(
        c(
            "cl_duplicate_same",
            post("Content-Length: 3\r\nContent-Length: 3\r\n", "abc"),
            BAD,
            framing));
    cases.add(
        c(
            "cl_duplicate_different",
            post("Content-Length: 3\r\nContent-Length: 4\r\n", "abcd"),
            BAD,
            framing));
    cases.add(c("cl_list", post("Content-Length: 3, 3\r\n", "abc"), BAD, framing));
    cases.add(c("cl_negative", post("Content-Length: -1\r\n", "abc"), BAD, framing));
    cases.add(c("cl_plus_sign", post("Content-Length: +3\r\n", "abc"), BAD, framing));
    cases.add(c("cl_hex", post("Content-Length: 0x3\r\n", "abc"), BAD, framing));
    cases.add(
        c("cl_overflow", post("Content-Length: 99999999999999999999999\r\n", "abc"), BAD, framing));
    cases.add(
        c("te_unknown_coding", post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n"), BAD, framing));
    cases.add(c("te_identity", post("Transfer-Encoding: identity\r\n", "abc"), BAD, framing));
    cases.add(
        c(
            "te_chunked_not_last",
            post("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n"),
            BAD,
            framing));
    cases.add(
        c(
            "te_chunked_twice",
            post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
            BAD,
            framing));
    cases.add(
        c(
            "te_in_http10",
            "POST / HTTP/1.0\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            BAD,
            framing));
    RejectReason header = RejectReason.BAD_HEADER;
    cases.add(c("cl_space_before_colon", post("Content-Length : 3\r\n", "abc"), BAD, header));
    cases.add(
        c(
            "te_space_before_colon",
            post("Transfer-Encoding : chunked\r\n", "0\r\n\r\n"),
            BAD,
            header));
    // Chunked bodies the decoder cannot frame: the head was fine and already forwarded, so the
    // guard answers (no response has started) and closes both sides.
    RejectReason chunk = RejectReason.BAD_CHUNK;
    cases.add(c("chunk_size_not_hex", chunked("zz\r\nabc\r\n0\r\n\r\n"), BAD, chunk));
    cases.add(c("chunk_size_negative", chunked("-3\r\nabc\r\n0\r\n\r\n"), BAD, chunk));
    cases.add(
        c("chunk_size_overflow", chunked("FFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n"), BAD, chunk));
    cases.add(c("chunk_size_0x_prefix", chunked("0x3\r\nabc\r\n0\r\n\r\n"), BAD, chunk));
    cases.add(c("chunk_size_trailing_space", chunked("3 \r\nabc\r\n0\r\n\r\n"), BAD, chunk));
    cases.add(c("chunk_data_longer_than_size", chunked("3\r\nabcX\r\n0\r\n\r\n"), BAD, chunk));
    // Line endings: a bare LF or CR where CRLF is required (RFC 9112 §2.2) is how parsers are
    // made to disagree.
    RejectReason eol = RejectReason.BAD_LINE_ENDING;
    cases.add(c("bare_lf_everywhere", "GET / HTTP/1.1\nHost: web.default.mesh\n\n", BAD, eol));
    cases.add(c("bare_lf_in_headers", "GET / HTTP/1.1\r\n" + HOST + "X-A: b\n\r\n", BAD, eol));
    cases.add(c("bare_lf_after_request_line", "GET / HTTP/1.1\n" + HOST + "\r\n", BAD, eol));
    cases.add(
        c(
            "bare_cr_in_header",
            "GET / HTTP/1.1\r\nHost: web.default.mesh\rX-A: b\r\n\r\n",
            BAD,
            header));
    // Header names must be tokens, values must not hold control characters (RFC 9110 §5.1, §5.5).
    cases.add(c("name_with_space", get("X A: b\r\n"), BAD, header));
    cases.add(c("name_without_colon", get("XAb\r\n"), BAD, header));
    cases.add(c("name_with_control", get("X\u0001A: b\r\n"), BAD, header));
    cases.add(c("name_with_separator", get("X(A): b\r\n"), BAD, header));
    cases.add(c("name_empty", get(": b\r\n"), BAD, header));
    cases.add(c("name_non_ascii", get("X\u00e9: b\r\n"), BAD, header));
    cases.add(c("value_with_nul", get("X-A: a\u0000b\r\n"), BAD, header));
    cases.add(c("value_with_bell", get("X-A: a\u0007b\r\n"), BAD, header));
    // Request lines.
    RejectReason line = RejectReason.BAD_REQUEST_LINE;
    cases.add(c("method_with_separator", "G(T / HTTP/1.1\r\n" + HOST + "\r\n", BAD, line));
    cases.add(c("version_not_http", "GET / FOO/1.1\r\n" + HOST + "\r\n", BAD, line));
    cases.add(c("http_0_9", "GET /\r\n\r\n", BAD, line));
    cases.add(c("space_in_target", "GET /a b HTTP/1.1\r\n" + HOST + "\r\n", BAD, line));
    cases.add(
        c(
            "version_9_9",
            "GET / HTTP/9.9\r\n" + HOST + "\r\n",
            "HTTP/1.1 505 HTTP Version Not Supported",
            RejectReason.UNSUPPORTED_VERSION));
    cases.add(
        c(
            "version_2_0_as_text",
            "GET / HTTP/2.0\r\n" + HOST + "\r\n",
            "HTTP/1.1 505 HTTP Version Not Supported",
            RejectReason.UNSUPPORTED_VERSION));
    // Host (RFC 9112 §3.2): an HTTP/1.1 request has exactly one.
    cases.add(c("host_missing", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", BAD, RejectReason.BAD_HOST));
    cases.add(c("host_twice", get("Host: other.default.mesh\r\n"), BAD, RejectReason.BAD_HOST));
    cases.add(
        c(
            "host_twice_http_1_0",
            "GET / HTTP/1.0\r\n" + HOST + "Host: other.default.mesh\r\n\r\n",
            BAD,
            RejectReason.BAD_HOST));
    // Request paths the proxy will not canonicalise (docs/access-control.md, "The request path").
    RejectReason path = RejectReason.BAD_PATH;
    cases.add(c("nul_in_path", "GET /a\u0000b HTTP/1.1\r\n" + HOST + "\r\n", BAD, path));
    cases.add(c("nul_in_query", "GET /a?\u0000 HTTP/1.1\r\n" + HOST + "\r\n", BAD, path));
    cases.add(c("dot_dot_above_root", "GET /a/../../b HTTP/1.1\r\n" + HOST + "\r\n", BAD, path));
    cases.add(c("dot_dot_parameter", "GET /a/..;/b HTTP/1.1\r\n" + HOST + "\r\n", BAD, path));
    cases.add(c("bad_escape", "GET /a%zz HTTP/1.1\r\n" + HOST + "\r\n", BAD, path));
    cases.add(c("encoded_nul", "GET /a%00.png HTTP/1.1\r\n" + HOST + "\r\n", BAD, path));
    cases.add(c("fragment", "GET /a#/../b HTTP/1.1\r\n" + HOST + "\r\n", BAD, path));
    cases.add(c("encoded_slash", "GET /a%2fb HTTP/1.1\r\n" + HOST + "\r\n", BAD, path));
    cases.add(c("backslash", "GET /a\\b HTTP/1.1\r\n" + HOST + "\r\n", BAD, path));
    // Sizes.
    cases.add(
        c(
            "request_line_too_long",
            "GET /" + "a".repeat(5000) + " HTTP/1.1\r\n" + HOST + "\r\n",
            "HTTP/1.1 414 Request-URI Too Long",
            RejectReason.REQUEST_LINE_TOO_LONG));
    cases.add(
        c(
            "header_value_too_large",
            get("X-A: " + "a".repeat(9000) + "\r\n"),
            "HTTP/1.1 431 Request Header Fields Too Large",
            RejectReason.HEADERS_TOO_LARGE));
    cases.add(
        c(
            "header_section_too_large",
            get(("X-Filler: " + "b".repeat(200) + "\r\n").repeat(50)),
            "HTTP/1.1 431 Request Header Fields Too Large",
            RejectReason.HEADERS_TOO_LARGE));
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 101; i++) {
      many.append("X-").append(i).append(": v\r\n");
    }
    cases.add(
        c(
            "too_many_headers",
            get(many.toString()),
            "HTTP/1.1 431 Request Header Fields Too Large",
            RejectReason.TOO_MANY_HEADERS));
    // Found by fuzzing: an absolute-form target whose authority could not be a Host field.
    cases.add(
        c(
            "absolute_form_nul_in_authority",
            "GET http://who\u0000ami.default.mesh/ HTTP/1.1\r\n" + HOST + "\r\n",
            BAD,
            RejectReason.BAD_REQUEST_LINE));
    cases.add(
        c(
            "binary_garbage",
            "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\r\n\r\n",
            BAD,
            eol));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusedWithExactStatusCountedAndClosed(Case c) throws Exception {
    long before = total(c.reason());
    try (Wire w = new Wire(port)) {
      Wire.Answer a = w.exchange(c.raw());
      assertThat(a.statusLine()).isEqualTo(c.statusLine());
      assertThat(a.headers()).containsEntry("connection", "close");
      assertThat(w.closedWithin(2000)).as("connection closed").isTrue();
    }
    assertThat(total(c.reason())).isEqualTo(before + 1);
    normalRequestStillWorks();
  }

  @Test
  void slowlorisHeadIsCutOffAt408EvenWhileBytesTrickleIn() throws Exception {
    long before = total(RejectReason.HEADER_TIMEOUT);
    long start = System.nanoTime();
    try (Wire w = new Wire(port)) {
      w.send("GET / HTTP/1.1\r\n");
      // One header byte every 100 ms, each well inside the timeout: the deadline covers the whole
      // head, so trickling does not extend it.
      String more = HOST + "X-Slow: abcdefghijklmnopqrstuvwxyz\r\n";
      Thread trickle =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < more.length(); i++) {
                        w.send(more.substring(i, i + 1));
                        java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
                      }
                    } catch (java.io.IOException e) {
                      // The proxy closed the connection: what this test waits for.
                    }
                  });
      Wire.Answer a = w.read();
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(a.statusLine()).isEqualTo("HTTP/1.1 408 Request Timeout");
      assertThat(a.body()).startsWith("request head not received within 800 ms");
      assertThat(millis).isBetween(HEAD_TIMEOUT.toMillis() - 50, HEAD_TIMEOUT.toMillis() + 1500);
      assertThat(w.closedWithin(2000)).isTrue();
      trickle.interrupt();
    }
    assertThat(total(RejectReason.HEADER_TIMEOUT)).isEqualTo(before + 1);
    normalRequestStillWorks();
  }

  /**
   * {@code request} is cut by a deadline: 408, the connection closed, counted once as {@code
   * reason}, and the next request is served; the 408.
   */
  private Wire.Answer cutWith408(RejectReason reason, String request) throws Exception {
    long before = total(reason);
    Wire.Answer a;
    try (Wire w = new Wire(port)) {
      a = w.exchange(request);
      assertThat(a.statusLine()).isEqualTo("HTTP/1.1 408 Request Timeout");
      assertThat(w.closedWithin(2000)).isTrue();
    }
    assertThat(total(reason)).isEqualTo(before + 1);
    normalRequestStillWorks();
    return a;
  }

  @Test
  void partialHeadThenSilenceIs408() throws Exception {
    cutWith408(RejectReason.HEADER_TIMEOUT, "GET / HTTP/1.1\r\n" + HOST);
  }

  @Test
  void idleKeepAliveConnectionIsNotAHeadTimeout() throws Exception {
    try (Wire w = new Wire(port)) {
      assertThat(w.exchange(get("")).status()).isEqualTo(200);
      // Idle for longer than the head deadline: only the first byte of a head starts it.
      assertThat(w.closedWithin((int) HEAD_TIMEOUT.toMillis() * 2)).isFalse();
      assertThat(w.exchange(get("")).status()).isEqualTo(200);
    }
  }

  @Test
  void slowPostBodyStallIs408() throws Exception {
    Wire.Answer a = cutWith408(RejectReason.BODY_TIMEOUT, post("Content-Length: 10\r\n", "ab"));
    assertThat(a.body()).startsWith("request body stalled for 800 ms");
  }

  @Test
  void slowChunkedBodyStallIs408() throws Exception {
    cutWith408(RejectReason.BODY_TIMEOUT, chunked("3\r\nabc\r\n"));
  }

  @Test
  void slowButSteadyBodyIsNotCutOff() throws Exception {
    try (Wire w = new Wire(port)) {
      w.send(post("Content-Length: 6\r\n", ""));
      for (String part : List.of("ab", "cd", "ef")) {
        // Each pause is shorter than the stall limit; the whole upload is longer than it.
        assertThat(w.closedWithin((int) BODY_TIMEOUT.toMillis() / 2)).isFalse();
        w.send(part);
      }
      assertThat(w.read().status()).isEqualTo(200);
      assertThat(backend.lastBody).isEqualTo("abcdef");
    }
  }

  @Test
  void obsFoldIsUnfoldedToOneSpaceAndCannotInjectAField() throws Exception {
    // RFC 9112 §5.2 lets a proxy replace obs-fold with SP instead of refusing; what matters is
    // that the continuation line can never become a header field of its own.
    try (Wire w = new Wire(port)) {
      Wire.Answer a =
          w.exchange(post("X-A: a\r\n Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "abc"));
      assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(backend.lastHeaders.getFirst("X-A")).isEqualTo("a Transfer-Encoding: chunked");
      assertThat(backend.lastHeaders.containsKey("Transfer-Encoding")).isFalse();
      assertThat(backend.lastBody).isEqualTo("abc");
      assertThat(w.exchange(get("")).status()).as("connection still usable").isEqualTo(200);
    }
  }

  @Test
  void leadingEmptyLinesAndHttp10WithoutHostAreAccepted() throws Exception {
    try (Wire w = new Wire(port)) {
      // RFC 9112 §2.2: a server should ignore at least one empty line before the request line.
      assertThat(w.exchange("\r\n" + get("")).statusLine()).isEqualTo("HTTP/1.1 200 OK");
    }
    try (Wire w = new Wire(port)) {
      assertThat(w.exchange("GET / HTTP/1.0\r\n\r\n").statusLine()).isEqualTo("HTTP/1.1 200 OK");
    }
  }

  @Test
  void badRequestPipelinedAfterAGoodOneIsAnsweredInOrder() throws Exception {
    long before = total(RejectReason.AMBIGUOUS_FRAMING);
    try (Wire w = new Wire(port)) {
      w.send(get("") + post("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"));
      assertThat(w.read().statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(w.read().statusLine()).isEqualTo(BAD);
      assertThat(w.closedWithin(2000)).isTrue();
    }
    assertThat(total(RejectReason.AMBIGUOUS_FRAMING)).isEqualTo(before + 1);
  }

  @Test
  void unknownHostOnTheEntryPortIs404CountedAndTheConnectionKept() throws Exception {
    long before = total(RejectReason.UNKNOWN_HOST);
    try (Wire w = new Wire(proxy.entryPort())) {
      Wire.Answer a = w.exchange("GET / HTTP/1.1\r\nHost: nope.default.mesh\r\n\r\n");
      assertThat(a.statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
      assertThat(a.headers()).doesNotContainKey("connection");
      assertThat(total(RejectReason.UNKNOWN_HOST)).isEqualTo(before + 1);
      // The same connection then reaches a Service that is meshed.
      Wire.Answer ok = w.exchange(get(""));
      assertThat(ok.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(ok.body()).isEqualTo("web");
    }
    assertThat(total(RejectReason.UNKNOWN_HOST)).isEqualTo(before + 1);
  }

  @Test
  void rejectionsAreExportedWithTheirReason() throws Exception {
    String scrape = Ports.scrape(proxy.adminPort());
    for (RejectReason r : RejectReason.values()) {
      assertThat(scrape).contains("nodemesh_rejected_requests_total{reason=\"" + r.label() + "\"}");
    }
  }

  static long total(RejectReason r) {
    Rejections rejections = proxy.limits().rejections();
    return rejections.total(r);
  }

  static void normalRequestStillWorks() throws Exception {
    try (Wire w = new Wire(port)) {
      Wire.Answer a = w.exchange(get(""));
      assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(a.body()).isEqualTo("web");
    }
  }
}
