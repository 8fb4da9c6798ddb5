package io.nodemesh.proxy.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.http.PathCanonicalizer;
import io.nodemesh.config.http.RefusedTarget;
import io.nodemesh.proxy.accept.HttpProxyInitializer;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.Limits;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.routing.EntryRouter;
import io.nodemesh.proxy.routing.ListenerRouter;
import io.nodemesh.proxy.transport.Transport;
import io.nodemesh.proxy.upstream.HttpProxyContext;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Arbitrary bytes into a downstream connection's real pipeline ({@link HttpProxyInitializer}: h2c
 * detection, HTTP/1.1 codec, limits, routing with a TrafficSplit's HTTPRouteGroup matches,
 * forwarding-header rewriting), and on through the upstream side: a request that routes is
 * forwarded over the proxy's own upstream pool to an in-process echo backend ({@link
 * EchoUpstream}), whose answer is relayed back. Everything runs on the connection's embedded event
 * loop, so an input runs to its end without a socket, a thread or a timeout.
 *
 * <p>Invariants: no throwable escapes the pipeline; no handler swallows an unexpected throwable
 * (the downstream handler logs what it catches before closing, and the log is watched); an HTTP/1.1
 * connection that decoded a whole request either answered with an HTTP/1.1 status line or closed;
 * every request that reaches the backend has a canonical path (no dot segment, no {@code //}, no
 * escape of an unreserved character, no encoded separator, no control byte), at most one field of
 * the header the TrafficSplit match names, one Host, and the proxy's own {@code X-Forwarded-Proto}.
 *
 * <p>{@link #shapedRequest} builds HTTP/1.x requests from the pieces path and header attacks are
 * made of (dot segments, escapes, separators, repeated fields), so the fuzzer reaches them sooner
 * than from raw bytes.
 *
 * <p>A plain {@code mvn verify} runs the seed corpus in {@code HttpRequestFuzzTestInputs}; {@code
 * JAZZER_FUZZ=1} fuzzes for {@code maxDuration} (docs/reliability.md).
 */
class HttpRequestFuzzTest {
  private static final ProxyMetrics METRICS = new ProxyMetrics();
  private static final int PROXY_PORT = 5001;
  private static final RoutingTable TABLE = RoutingTable.compile(mesh(), METRICS);

  /** Upstream connections are {@link EchoUpstream}s on the downstream's own event loop. */
  private static final Transport IN_PROCESS =
      new Transport(null, null, EchoUpstream.class, "in-process");

  private static final Limits LIMITS = new Limits(LimitSettings.defaults(), METRICS.registry());
  private static final Logger DOWNSTREAM_LOG =
      Logger.getLogger("io.nodemesh.proxy.decode.DownstreamHandler");

  /**
   * How Netty's aggregator (holding an h2c upgrade request) reports that the connection closed
   * before the request ended; the proxy closing after answering a bad pipelined request is one way.
   * It is the notice of a close, not a failure.
   */
  private static final String CLOSED_MID_MESSAGE =
      "io.netty.handler.codec.PrematureChannelClosureException";

  private static final List<String> CAUGHT = new CopyOnWriteArrayList<>();
  private static final Handler WATCH =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          Object[] params = r.getParameters();
          if (params != null
              && params.length == 2
              && params[1] instanceof String cause
              && !cause.startsWith(CLOSED_MID_MESSAGE)) {
            CAUGHT.add(cause);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private static Level previousLevel;

  @BeforeAll
  static void watchTheDownstreamLog() {
    previousLevel = DOWNSTREAM_LOG.getLevel();
    DOWNSTREAM_LOG.setLevel(Level.FINE);
    DOWNSTREAM_LOG.addHandler(WATCH);
  }

  @AfterAll
  static void stopWatching() {
    DOWNSTREAM_LOG.removeHandler(WATCH);
    DOWNSTREAM_LOG.setLevel(previousLevel);
  }

  @FuzzTest(maxDuration = "30s")
  void entryPort(byte[] input) {
    check(new EntryRouter(() -> TABLE), input);
  }

  @FuzzTest(maxDuration = "30s")
  void listenerPort(byte[] input) {
    check(new ListenerRouter(PROXY_PORT, () -> TABLE), input);
  }

  /** Path pieces: plain, dot segments, escapes of all kinds, separators, bytes no URI may hold. */
  private static final String[] SEGMENTS = {
    "api", "v2", "items", "", ".", "..", "%2e", "%2E%2e", ".%2e", "%2f", "%2F", "%5c", "\\",
    "..;", "x;y=1", "%61pi", "%7e", "%41", "%00", "%zz", "%", "#", "x?y=/../", "\0", "\t", "\u00e9"
  };

  private static final String[] FIELDS = {
    "x-canary",
    "X-Canary",
    "Host",
    "X-Forwarded-Proto",
    "Accept",
    "Content-Length",
    "Transfer-Encoding"
  };

  private static final String[] VALUES = {
    "yes", "true", "no", "whoami.default.mesh", "other.default.mesh", "https", "0", "chunked", ""
  };

  @FuzzTest(maxDuration = "30s")
  void shapedRequest(FuzzedDataProvider data) {
    boolean entry = data.consumeBoolean();
    StringBuilder raw = new StringBuilder();
    int requests = data.consumeInt(1, 3);
    for (int i = 0; i < requests; i++) {
      raw.append(data.pickValue(new String[] {"GET", "POST", "HEAD", "OPTIONS"})).append(' ');
      int segments = data.consumeInt(0, 8);
      for (int s = 0; s < segments; s++) {
        raw.append(data.consumeBoolean() ? "/" : "//").append(data.pickValue(SEGMENTS));
      }
      if (segments == 0) {
        raw.append('/');
      }
      raw.append(data.consumeBoolean() ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
      raw.append("Host: whoami.default.mesh\r\n");
      int fields = data.consumeInt(0, 4);
      for (int f = 0; f < fields; f++) {
        raw.append(data.pickValue(FIELDS))
            .append(": ")
            .append(data.pickValue(VALUES))
            .append("\r\n");
      }
      raw.append("\r\n");
    }
    check(
        entry ? new EntryRouter(() -> TABLE) : new ListenerRouter(PROXY_PORT, () -> TABLE),
        raw.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void theBackendIsSentTheCanonicalPathAndTheMatchedHeaderOnce() {
    String out =
        check(
            new EntryRouter(() -> TABLE),
            ("GET //api/%76%32/./x/..//items%2e HTTP/1.1\r\nHost: whoami.default.mesh\r\n"
                    + "x-canary: yes\r\nX-Forwarded-Proto: https\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    assertThat(out).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nGET /api/v2/items.\n");
    out =
        check(
            new ListenerRouter(PROXY_PORT, () -> TABLE),
            ("GET /api/v2/items HTTP/1.1\r\nHost: a\r\nx-canary: no\r\nX-Canary: yes\r\n\r\n"
                    + "GET /api/v2/smuggled HTTP/1.1\r\nHost: a\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    assertThat(out)
        .startsWith("HTTP/1.1 400 Bad Request\r\n")
        .contains("more than one x-canary field")
        .doesNotContain("smuggled");
  }

  @Test
  void aRoutedRequestIsForwardedAndItsResponseRelayed() {
    String out =
        check(
            new EntryRouter(() -> TABLE),
            ("POST /api/v2/items HTTP/1.1\r\nHost: whoami.default.mesh\r\nx-canary: yes\r\n"
                    + "Content-Length: 5\r\n\r\nhello")
                .getBytes(StandardCharsets.US_ASCII));
    assertThat(out).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nPOST /api/v2/items\nhello");
    out =
        check(
            new ListenerRouter(PROXY_PORT, () -> TABLE),
            "GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
    assertThat(out).contains("\r\n\r\nGET /x\n").endsWith("\r\n\r\nGET /y\n");
  }

  @Test
  void nothingDecodedAfterAClosingRefusalReachesABackend() {
    // Found by fuzzing: the codec decodes every request of one read before the refusal's close
    // takes effect, and the second request used to be forwarded (and answered after the 400).
    String smuggled = "GET /api/v2/smuggled HTTP/1.1\r\nHost: whoami.default.mesh\r\n\r\n";
    for (String refused :
        List.of(
            "GET http://who\0ami.default.mesh/ HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: nowhere.default.mesh\r\nConnection: close\r\n\r\n")) {
      String out =
          check(
              new EntryRouter(() -> TABLE),
              (refused + smuggled).getBytes(StandardCharsets.ISO_8859_1));
      assertThat(out).as("answer to %s", refused).startsWith("HTTP/1.1 4");
      assertThat(out)
          .as("answer to %s", refused)
          .doesNotContain("smuggled")
          .containsOnlyOnce("HTTP/1.1 ");
    }
  }

  /** Runs one input to its end; returns what the proxy wrote back. */
  private static String check(io.nodemesh.proxy.routing.Router router, byte[] input) {
    CAUGHT.clear();
    // A context per input: its upstream pools (one per event loop) end with the input.
    HttpProxyContext context =
        new HttpProxyContext(IN_PROCESS, METRICS, HttpProxySettings.defaults(), LIMITS);
    EmbeddedChannel ch = new EmbeddedChannel(new HttpProxyInitializer(context, () -> router));
    RequestCounter requests = new RequestCounter();
    String codec = ch.pipeline().context(HttpServerCodec.class).name();
    ch.pipeline().addAfter(codec, "fuzz-request-counter", requests);
    try {
      ch.writeInbound(Unpooled.wrappedBuffer(input));
      ch.runPendingTasks();
      boolean http1 = ch.pipeline().get(HttpServerCodec.class) != null;
      String out = outbound(ch);
      ch.checkException();
      assertThat(CAUGHT).as("throwables the downstream handler caught").isEmpty();
      for (HttpRequest forwarded : EchoUpstream.RECEIVED) {
        checkForwarded(forwarded);
      }
      if (http1) {
        if (!out.isEmpty()) {
          assertThat(out).startsWith("HTTP/1.1 ");
        }
        if (requests.count > 0) {
          assertThat(!out.isEmpty() || !ch.isActive())
              .as("a whole request got a response or a close")
              .isTrue();
        }
      }
      return out;
    } finally {
      ch.finishAndReleaseAll();
      EchoUpstream.closeAll();
    }
  }

  /** What the proxy may send a backend (the listener has not opted in to encoded slashes). */
  private static void checkForwarded(HttpRequest r) {
    String uri = r.uri();
    if (uri.startsWith("/")) {
      String canonical;
      try {
        canonical = PathCanonicalizer.canonical(uri);
      } catch (RefusedTarget e) {
        throw new AssertionError("forwarded a target the proxy refuses: " + uri, e);
      }
      assertThat(canonical).as("forwarded target is canonical").isSameAs(uri);
      int q = uri.indexOf('?');
      assertThat(PathCanonicalizer.hasEncodedSeparator(q < 0 ? uri : uri.substring(0, q)))
          .as("encoded separator forwarded in %s", uri)
          .isFalse();
    }
    assertThat(r.headers().getAll("x-canary")).as("x-canary fields forwarded").hasSizeLessThan(2);
    assertThat(r.headers().getAll("host")).as("Host fields forwarded").hasSizeLessThan(2);
    assertThat(r.headers().getAll("x-forwarded-proto")).containsExactly("http");
  }

  private static String outbound(EmbeddedChannel ch) {
    StringBuilder out = new StringBuilder();
    Object o;
    while ((o = ch.readOutbound()) != null) {
      if (o instanceof ByteBuf b) {
        out.append(b.toString(StandardCharsets.ISO_8859_1));
        b.release();
      }
    }
    return out.toString();
  }

  /**
   * Counts the requests the HTTP/1.1 codec decoded to their end. A request whose body has not ended
   * yet may rightly wait for more bytes (an h2c upgrade request is held whole, for one).
   */
  private static final class RequestCounter extends ChannelInboundHandlerAdapter {
    int count;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof LastHttpContent) {
        count++;
      }
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * One Service with a TrafficSplit whose HTTPRouteGroup match looks at path, method and a header,
   * so the fuzzer reaches {@code CompiledMatch}; each backend has one ready endpoint (an {@link
   * EchoUpstream}, whatever its address).
   */
  private static MeshConfig mesh() {
    BackendConfig root =
        new BackendConfig("whoami", 1, List.of(EndpointConfig.ready("10.0.0.1", 80)));
    BackendConfig canary =
        new BackendConfig("whoami-v2", 1, List.of(EndpointConfig.ready("10.0.0.2", 80)));
    HttpMatch match =
        new HttpMatch(
            "canary/api",
            "/api/v[0-9]+/",
            List.of("GET", "POST"),
            Map.of("x-canary", "(true|yes)"));
    RouteConfig route =
        new RouteConfig(root, List.of(root, canary), List.of(match), "default/whoami-split");
    return new MeshConfig(
        1,
        "mesh",
        List.of(new ListenerConfig("default", "whoami", 80, Protocol.HTTP, PROXY_PORT, route)));
  }
}
