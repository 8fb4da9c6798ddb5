package io.nodemesh.proxy.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.http.EntryRouter;
import io.nodemesh.proxy.http.HttpProxyContext;
import io.nodemesh.proxy.http.HttpProxyInitializer;
import io.nodemesh.proxy.http.HttpProxySettings;
import io.nodemesh.proxy.http.ListenerRouter;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.Limits;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.transport.Transport;
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
 * connection that decoded a whole request either answered with an HTTP/1.1 status line or closed.
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
      Logger.getLogger("io.nodemesh.proxy.http.DownstreamHandler");

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
  private static String check(io.nodemesh.proxy.http.Router router, byte[] input) {
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
