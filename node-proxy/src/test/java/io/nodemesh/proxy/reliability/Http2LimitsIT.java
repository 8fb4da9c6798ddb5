package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.http2.Http2Headers;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP/1.1 request limits hold on HTTP/2 streams too, with prior knowledge and after an h2c
 * upgrade, on raw frames: header list size, header count, header names and values, the request-head
 * deadline, body stalls, the connection cap and the in-flight cap of a Service. Each case asserts
 * the exact status, RST_STREAM or GOAWAY code, that exactly one refusal was counted under its
 * reason and nothing else, and that the proxy still serves.
 */
class Http2LimitsIT {
  static final String AUTHORITY = "web.default.mesh";
  static final int MAX_HEADER_COUNT = 20;
  static final Duration HEAD_TIMEOUT = Duration.ofMillis(800);
  static final Duration BODY_TIMEOUT = Duration.ofMillis(800);
  static final int MAX_CONNECTIONS = 2;
  static final int MAX_IN_FLIGHT = 2;

  @RegisterExtension static final HttpBackend backend = HttpBackend.start("web").forAllTests();
  static NodeProxy proxy;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    proxy =
        startProxy(
            LimitSettings.defaults()
                .withHeaderLimits(4096, 8192, MAX_HEADER_COUNT)
                .withReadTimeouts(HEAD_TIMEOUT, BODY_TIMEOUT));
    port = Ports.free();
    serveWeb(proxy, port, backend);
  }

  static NodeProxy startProxy(LimitSettings limits) {
    return NodeProxy.start(Mesh.options(), HttpProxySettings.defaults(), limits);
  }

  /** Service default/web on {@code proxyPort}, answered by {@code web}. */
  static void serveWeb(NodeProxy p, int proxyPort, HttpBackend web) {
    p.apply(
        Mesh.config(
            1,
            MeshConfigs.Listener.WEB.on(
                proxyPort, RouteConfig.direct(Mesh.backend("web", 1, web)))));
  }

  /** One header field more than the limit, as name/value pairs. */
  static String[] tooManyFields() {
    List<String> fields = new ArrayList<>();
    for (int i = 0; i <= MAX_HEADER_COUNT; i++) {
      fields.add("x-h" + i);
      fields.add("v");
    }
    return fields.toArray(String[]::new);
  }

  @AfterAll
  static void stop() {
    proxy.close();
  }

  /** Every reason's count, to assert that a case counted one reason once and nothing else. */
  static Map<RejectReason, Long> counts(NodeProxy p) {
    Map<RejectReason, Long> m = new EnumMap<>(RejectReason.class);
    for (RejectReason r : RejectReason.values()) {
      m.put(r, p.limits().rejections().total(r));
    }
    return m;
  }

  static void assertCountedOnce(NodeProxy p, Map<RejectReason, Long> before, RejectReason reason) {
    Map<RejectReason, Long> expected = new EnumMap<>(before);
    expected.merge(reason, 1L, Long::sum);
    // Counting happens on the event loop, possibly just after the frame the test waited for.
    await().atMost(Duration.ofSeconds(5)).until(() -> counts(p).equals(expected));
  }

  static String text(H2Wire.Frame data) {
    return new String(data.payload(), StandardCharsets.UTF_8);
  }

  /** A normal GET on a new prior-knowledge connection gets the backend's answer. */
  static void stillServes(int proxyPort) throws IOException {
    try (H2Wire h2 = new H2Wire(proxyPort, 0)) {
      h2.get(1, AUTHORITY);
      H2Wire.Frame data = h2.readUntil(H2Wire.DATA);
      assertThat(data).isNotNull();
      assertThat(text(data)).isEqualTo("web");
    }
  }

  /** The response to stream 1 of {@code h2}: its status and body, up to END_STREAM. */
  record Answer(String status, String body, boolean reset, int resetCode) {}

  static Answer answer(H2Wire h2, int stream) throws IOException {
    return answers(h2, stream).get(stream);
  }

  /**
   * The responses to {@code streams}, read together (their frames interleave): each one's status
   * and body, up to END_STREAM or RST_STREAM.
   */
  static Map<Integer, Answer> answers(H2Wire h2, int... streams) throws IOException {
    Map<Integer, String> status = new HashMap<>();
    Map<Integer, StringBuilder> body = new HashMap<>();
    Map<Integer, Answer> done = new HashMap<>();
    for (int s : streams) {
      body.put(s, new StringBuilder());
    }
    H2Wire.Frame f;
    while (done.size() < streams.length && (f = h2.read()) != null) {
      int s = f.stream();
      if (f.type() == H2Wire.HEADERS) {
        // Decoded even when not ours: the HPACK table is shared by the connection.
        Http2Headers h = h2.headers(f);
        status.putIfAbsent(s, String.valueOf(h.status()));
      }
      if (!body.containsKey(s) || done.containsKey(s)) {
        continue;
      }
      if (f.type() == H2Wire.DATA) {
        body.get(s).append(text(f));
      }
      if (f.type() == H2Wire.RST_STREAM) {
        done.put(s, new Answer(status.get(s), body.get(s).toString(), true, f.errorCode()));
      } else if ((f.type() == H2Wire.DATA || f.type() == H2Wire.HEADERS)
          && (f.flags() & H2Wire.END_STREAM) != 0) {
        // A refusal sent before the request ended is followed by RST_STREAM NO_ERROR.
        done.put(s, new Answer(status.get(s), body.get(s).toString(), false, -1));
      }
    }
    for (int s : streams) {
      done.putIfAbsent(s, new Answer(status.get(s), body.get(s).toString(), false, -1));
    }
    return done;
  }

  /** The RST_STREAM answer after a complete response, if any (RFC 9113 §8.1). */
  static H2Wire.Frame resetAfter(H2Wire h2) throws IOException {
    return h2.readUntil(H2Wire.RST_STREAM);
  }

  /** The HEADERS of a POST on stream 1 that announces {@code contentLength} body bytes. */
  private static H2Wire postHeaders(H2Wire h2, String contentLength) throws IOException {
    return h2.frame(
        H2Wire.HEADERS,
        H2Wire.END_HEADERS,
        1,
        H2Wire.request("POST", AUTHORITY, "content-length", contentLength));
  }

  @Test
  void headerListOverTheLimitGets431() throws Exception {
    Map<RejectReason, Long> before = counts(proxy);
    int received = backend.received.get();
    try (H2Wire h2 = new H2Wire(port, 0)) {
      // One 9,000-byte field: over SETTINGS_MAX_HEADER_LIST_SIZE (8,192), under Netty's 1.25×
      // margin past which it is a connection error.
      h2.get(1, AUTHORITY, "x-big", "a".repeat(9000));
      Answer a = answer(h2, 1);
      assertThat(a.status()).isEqualTo("431");
    }
    assertCountedOnce(proxy, before, RejectReason.HEADERS_TOO_LARGE);
    assertThat(backend.received.get()).isEqualTo(received);
    stillServes(port);
  }

  @Test
  void tooManyHeaderFieldsGet431() throws Exception {
    Map<RejectReason, Long> before = counts(proxy);
    int received = backend.received.get();
    String[] fields = tooManyFields();
    try (H2Wire h2 = new H2Wire(port, 0)) {
      h2.get(1, AUTHORITY, fields);
      Answer a = answer(h2, 1);
      assertThat(a.status()).isEqualTo("431");
      assertThat(a.body()).isEqualTo("too many header fields: more than 20\n");
      assertThat(a.reset()).isFalse();
    }
    assertCountedOnce(proxy, before, RejectReason.TOO_MANY_HEADERS);
    assertThat(backend.received.get()).isEqualTo(received);
    // Exactly the limit is fine.
    try (H2Wire h2 = new H2Wire(port, 0)) {
      h2.get(1, AUTHORITY, java.util.Arrays.copyOf(fields, 2 * MAX_HEADER_COUNT));
      assertThat(answer(h2, 1).status()).isEqualTo("200");
    }
  }

  @Test
  void invalidHeaderNameIsAStreamProtocolError() throws Exception {
    for (String name : new String[] {"X-Upper", "bad name", "bad:colon"}) {
      Map<RejectReason, Long> before = counts(proxy);
      try (H2Wire h2 = new H2Wire(port, 0)) {
        h2.get(1, AUTHORITY, name, "v");
        Answer a = answer(h2, 1);
        assertThat(a.reset()).as(name).isTrue();
        assertThat(a.resetCode()).as(name).isEqualTo(H2Wire.PROTOCOL_ERROR);
        assertThat(a.status()).as(name).isNull();
      }
      assertCountedOnce(proxy, before, RejectReason.BAD_HEADER);
    }
    stillServes(port);
  }

  @Test
  void controlCharacterInAHeaderValueIsAStreamProtocolError() throws Exception {
    for (String value : new String[] {"a\r\nx-injected: 1", "nul\0byte", "bell\u0007"}) {
      Map<RejectReason, Long> before = counts(proxy);
      int received = backend.received.get();
      try (H2Wire h2 = new H2Wire(port, 0)) {
        h2.get(1, AUTHORITY, "x-value", value);
        Answer a = answer(h2, 1);
        assertThat(a.reset()).isTrue();
        assertThat(a.resetCode()).isEqualTo(H2Wire.PROTOCOL_ERROR);
        assertThat(a.status()).isNull();
      }
      assertCountedOnce(proxy, before, RejectReason.BAD_HEADER);
      assertThat(backend.received.get()).isEqualTo(received);
    }
    stillServes(port);
  }

  @Test
  void controlCharacterInATrailerIsAStreamProtocolError() throws Exception {
    Map<RejectReason, Long> before = counts(proxy);
    try (H2Wire h2 = new H2Wire(port, 0)) {
      h2.frame(H2Wire.HEADERS, H2Wire.END_HEADERS, 1, H2Wire.request("POST", AUTHORITY))
          .frame(H2Wire.DATA, 0, 1, "body".getBytes(StandardCharsets.US_ASCII))
          .frame(
              H2Wire.HEADERS,
              H2Wire.END_STREAM | H2Wire.END_HEADERS,
              1,
              H2Wire.fields("x-trailer", "bell\u0007"))
          .flush();
      Answer a = answer(h2, 1);
      assertThat(a.reset()).isTrue();
      assertThat(a.resetCode()).isEqualTo(H2Wire.PROTOCOL_ERROR);
    }
    assertCountedOnce(proxy, before, RejectReason.BAD_HEADER);
    stillServes(port);
  }

  @Test
  void headerBlockWhoseContinuationNeverComesGetsGoAwayAtTheDeadline() throws Exception {
    Map<RejectReason, Long> before = counts(proxy);
    try (H2Wire h2 = new H2Wire(port, 0)) {
      long start = System.nanoTime();
      // HEADERS without END_HEADERS: the connection now waits for CONTINUATION (RFC 9113 §6.10).
      h2.frame(H2Wire.HEADERS, H2Wire.END_STREAM, 1, H2Wire.request("GET", AUTHORITY)).flush();
      H2Wire.Frame goAway = h2.readUntil(H2Wire.GOAWAY);
      long waited = (System.nanoTime() - start) / 1_000_000;
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isEqualTo(H2Wire.ENHANCE_YOUR_CALM);
      assertThat(new String(goAway.payload(), 8, goAway.payload().length - 8))
          .isEqualTo("request head not received within 800 ms");
      assertThat(waited).isBetween(HEAD_TIMEOUT.toMillis() - 50, HEAD_TIMEOUT.toMillis() + 4000);
      assertThat(h2.closedWithin(5000)).isTrue();
    }
    assertCountedOnce(proxy, before, RejectReason.HEADER_TIMEOUT);
    stillServes(port);
  }

  @Test
  void trickledHeadersFrameGetsGoAwayAtTheDeadline() throws Exception {
    Map<RejectReason, Long> before = counts(proxy);
    byte[] block = H2Wire.request("GET", AUTHORITY);
    try (H2Wire h2 = new H2Wire(port, 0)) {
      // A HEADERS frame header announcing the whole block, then one byte per 200 ms: the
      // deadline runs from the frame's start, so trickling does not extend it.
      byte[] frame = new byte[9 + block.length];
      frame[2] = (byte) block.length;
      frame[3] = H2Wire.HEADERS;
      frame[4] = H2Wire.END_STREAM | H2Wire.END_HEADERS;
      frame[8] = 1;
      System.arraycopy(block, 0, frame, 9, block.length);
      h2.raw(frame, 0, 10);
      H2Wire.Frame goAway = null;
      try {
        for (int i = 10; i < frame.length - 1 && goAway == null; i++) {
          h2.raw(frame, i, 1);
          H2Wire.Frame f = h2.readWithin(200);
          if (f != null && f.type() == H2Wire.GOAWAY) {
            goAway = f;
          }
        }
      } catch (IOException e) {
        // Closed while trickling.
      }
      if (goAway == null) {
        goAway = h2.readUntil(H2Wire.GOAWAY);
      }
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isEqualTo(H2Wire.ENHANCE_YOUR_CALM);
    }
    assertCountedOnce(proxy, before, RejectReason.HEADER_TIMEOUT);
  }

  /**
   * The head deadline follows frame boundaries from the connection preface on; a healthy connection
   * whose requests span several deadlines must never be cut, however it became HTTP/2.
   */
  @Test
  void healthyConnectionsOutliveManyHeadDeadlines() throws Exception {
    Map<RejectReason, Long> before = counts(proxy);
    try (H2Wire prior = new H2Wire(port, 0);
        H2Wire upgraded = H2Wire.upgraded(port, AUTHORITY)) {
      assertThat(answer(upgraded, 1).body()).isEqualTo("web");
      for (int i = 0; i < 4; i++) {
        int stream = 3 + 2 * i;
        for (H2Wire h2 : List.of(prior, upgraded)) {
          // Headers split over HEADERS + CONTINUATION, then a body.
          byte[] block = H2Wire.request("POST", AUTHORITY, "x-request", "r" + i);
          h2.frame(H2Wire.HEADERS, 0, stream, java.util.Arrays.copyOfRange(block, 0, 3))
              .frame(
                  H2Wire.CONTINUATION,
                  H2Wire.END_HEADERS,
                  stream,
                  java.util.Arrays.copyOfRange(block, 3, block.length))
              .frame(
                  H2Wire.DATA,
                  H2Wire.END_STREAM,
                  stream,
                  "body".getBytes(StandardCharsets.US_ASCII))
              .flush();
          assertThat(answer(h2, stream).body()).isEqualTo("web");
        }
        Thread.sleep(HEAD_TIMEOUT.toMillis() / 2); // spread the requests over several deadlines
      }
      for (H2Wire h2 : List.of(prior, upgraded)) {
        H2Wire.Frame f;
        while ((f = h2.readWithin(200)) != null) {
          assertThat(f.type()).as("frame after the requests").isNotEqualTo(H2Wire.GOAWAY);
        }
      }
    }
    assertThat(counts(proxy)).isEqualTo(before);
  }

  @Test
  void stalledRequestBodyGets408AndResetNoError() throws Exception {
    Map<RejectReason, Long> before = counts(proxy);
    try (H2Wire h2 = new H2Wire(port, 0)) {
      postHeaders(h2, "100")
          .frame(H2Wire.DATA, 0, 1, "first bytes".getBytes(StandardCharsets.US_ASCII))
          .flush();
      Answer a = answer(h2, 1);
      assertThat(a.status()).isEqualTo("408");
      assertThat(a.body()).isEqualTo("request body stalled for 800 ms\n");
      // The client is asked to stop sending without failing the response (RFC 9113 §8.1).
      H2Wire.Frame rst = resetAfter(h2);
      assertThat(rst).isNotNull();
      assertThat(rst.stream()).isEqualTo(1);
      assertThat(rst.errorCode()).isEqualTo(H2Wire.NO_ERROR);
      // The connection itself lives on.
      h2.get(3, AUTHORITY);
      assertThat(answer(h2, 3).body()).isEqualTo("web");
    }
    assertCountedOnce(proxy, before, RejectReason.BODY_TIMEOUT);
  }

  @Test
  void slowButSteadyBodyIsNotCut() throws Exception {
    Map<RejectReason, Long> before = counts(proxy);
    try (H2Wire h2 = new H2Wire(port, 0)) {
      postHeaders(h2, "5").flush();
      // Five bytes, one per 400 ms: 2 s in all, each gap inside the 800 ms stall limit.
      for (int i = 0; i < 5; i++) {
        Thread.sleep(400); // the pace under test, not a wait for something to happen
        h2.frame(H2Wire.DATA, i == 4 ? H2Wire.END_STREAM : 0, 1, new byte[] {'x'}).flush();
      }
      Answer a = answer(h2, 1);
      assertThat(a.status()).isEqualTo("200");
      assertThat(a.body()).isEqualTo("web");
    }
    assertThat(backend.lastBody).isEqualTo("xxxxx");
    assertThat(counts(proxy)).isEqualTo(before);
  }

  @Test
  void anH2cUpgradedConnectionHasTheSameChecks() throws Exception {
    Map<RejectReason, Long> before = counts(proxy);
    String[] fields = tooManyFields();
    try (H2Wire h2 = H2Wire.upgraded(port, AUTHORITY)) {
      // Stream 1 is the upgraded GET.
      assertThat(answer(h2, 1).body()).isEqualTo("web");
      h2.get(3, AUTHORITY, fields);
      assertThat(answer(h2, 3).status()).isEqualTo("431");
      h2.get(5, AUTHORITY, "x-value", "a\r\nb");
      Answer bad = answer(h2, 5);
      assertThat(bad.reset()).isTrue();
      assertThat(bad.resetCode()).isEqualTo(H2Wire.PROTOCOL_ERROR);
    }
    Map<RejectReason, Long> expected = new EnumMap<>(before);
    expected.merge(RejectReason.TOO_MANY_HEADERS, 1L, Long::sum);
    expected.merge(RejectReason.BAD_HEADER, 1L, Long::sum);
    await().atMost(Duration.ofSeconds(5)).until(() -> counts(proxy).equals(expected));
  }

  @Test
  void connectionOverTheListenerCapGetsGoAwayRefusedStream() throws Exception {
    try (HttpBackend capped = new HttpBackend("web");
        NodeProxy small =
            startProxy(LimitSettings.defaults().withMaxConnectionsPerListener(MAX_CONNECTIONS))) {
      int smallPort = Ports.free();
      serveWeb(small, smallPort, capped);
      List<H2Wire> open = new ArrayList<>();
      try {
        for (int i = 0; i < MAX_CONNECTIONS; i++) {
          H2Wire h2 = new H2Wire(smallPort, 0);
          open.add(h2);
          h2.get(1, AUTHORITY);
          assertThat(answer(h2, 1).body()).isEqualTo("web");
        }
        Map<RejectReason, Long> before = counts(small);
        try (H2Wire extra = new H2Wire(smallPort, 0)) {
          // The server preface, then GOAWAY: last stream 0, nothing was processed.
          H2Wire.Frame settings = extra.read();
          assertThat(settings).isNotNull();
          assertThat(settings.type()).isEqualTo(H2Wire.SETTINGS);
          H2Wire.Frame goAway = extra.read();
          assertThat(goAway).isNotNull();
          assertThat(goAway.type()).isEqualTo(H2Wire.GOAWAY);
          assertThat(goAway.errorCode()).isEqualTo(H2Wire.REFUSED_STREAM);
          assertThat(java.util.Arrays.copyOfRange(goAway.payload(), 0, 4)).containsOnly(0);
          assertThat(new String(goAway.payload(), 8, goAway.payload().length - 8))
              .isEqualTo("too many connections on this listener");
          assertThat(extra.closedWithin(2000)).isTrue();
        }
        assertCountedOnce(small, before, RejectReason.CONNECTION_LIMIT);
        // Closing one makes room again.
        open.remove(0).close();
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> small.limits().openConnections(smallPort) == MAX_CONNECTIONS - 1);
        stillServes(smallPort);
      } finally {
        for (H2Wire h2 : open) {
          h2.close();
        }
      }
    }
  }

  @Test
  void streamOverTheInFlightCapOfAServiceGets503AndTheConnectionLivesOn() throws Exception {
    try (HttpBackend held = new HttpBackend("web");
        NodeProxy small =
            startProxy(LimitSettings.defaults().withMaxRequestsPerUpstream(MAX_IN_FLIGHT))) {
      int smallPort = Ports.free();
      serveWeb(small, smallPort, held);
      held.hold = new CountDownLatch(1);
      try (H2Wire h2 = new H2Wire(smallPort, 0)) {
        for (int i = 0; i < MAX_IN_FLIGHT; i++) {
          h2.get(1 + 2 * i, AUTHORITY);
        }
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> small.limits().upstreamInFlight("default", "web") == MAX_IN_FLIGHT);
        Map<RejectReason, Long> before = counts(small);
        int over = 1 + 2 * MAX_IN_FLIGHT;
        h2.get(over, AUTHORITY);
        Answer refused = answer(h2, over);
        assertThat(refused.status()).isEqualTo("503");
        assertThat(refused.body()).isEqualTo("service default/web: too many requests in flight\n");
        assertCountedOnce(small, before, RejectReason.UPSTREAM_LIMIT);
        held.hold.countDown();
        assertThat(answers(h2, 1, 3).values()).extracting(Answer::body).containsOnly("web");
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> small.limits().upstreamInFlight("default", "web") == 0);
        int next = over + 2;
        h2.get(next, AUTHORITY);
        assertThat(answer(h2, next).body()).isEqualTo("web");
      }
    }
  }
}
