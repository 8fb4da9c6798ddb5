package io.nodemesh.proxy.accept;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.proxy.decode.EmbeddedHttp;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.routing.EntryRouter;
import io.nodemesh.proxy.upstream.HttpProxyContext;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which protocol a new downstream connection ends up speaking, decided by its first bytes. (The h2c
 * upgrade itself is covered over real sockets by {@code ProtocolsIT}: Netty's multiplexer tells
 * server from client by the parent server channel, which an embedded channel lacks.)
 */
class HttpProxyInitializerTest {
  private static final ProxyMetrics METRICS = new ProxyMetrics();
  private static final RoutingTable TABLE =
      RoutingTable.compile(new MeshConfig(1, "mesh", List.of()), METRICS);
  private static final HttpProxyContext CONTEXT =
      new HttpProxyContext(null, METRICS, HttpProxySettings.defaults());

  private static EmbeddedChannel connection() {
    return new EmbeddedChannel(
        new HttpProxyInitializer(CONTEXT, () -> new EntryRouter(() -> TABLE)));
  }

  private static String outbound(EmbeddedChannel ch) {
    return EmbeddedHttp.outbound(ch, StandardCharsets.ISO_8859_1);
  }

  @Test
  void anHttp11RequestStaysOnTheHttp11Pipeline() {
    EmbeddedChannel ch = connection();
    ch.writeInbound(
        Unpooled.copiedBuffer(
            "GET / HTTP/1.1\r\nHost: nowhere.default.mesh\r\n\r\n", StandardCharsets.US_ASCII));
    ch.runPendingTasks();
    assertThat(outbound(ch)).startsWith("HTTP/1.1 404");
    assertThat(ch.pipeline().get(HttpServerCodec.class)).isNotNull();
    assertThat(ch.pipeline().get(HttpProxyInitializer.PROXY)).isNotNull();
    assertThat(ch.pipeline().get(Http2FrameCodec.class)).isNull();
    ch.finishAndReleaseAll();
  }

  @Test
  void theHttp2PrefaceSwitchesToHttp2() {
    EmbeddedChannel ch = connection();
    ch.writeInbound(Http2CodecUtil.connectionPrefaceBuf());
    ch.runPendingTasks();
    assertThat(ch.pipeline().get(Http2FrameCodec.class)).isNotNull();
    assertThat(ch.pipeline().get(HttpServerCodec.class)).isNull();
    assertThat(ch.pipeline().get(HttpProxyInitializer.PROXY)).isNull();
    // The server's own preface is a SETTINGS frame (type 4, RFC 9113 §3.4).
    String out = outbound(ch);
    assertThat(out.length()).isGreaterThanOrEqualTo(9);
    assertThat((int) out.charAt(3)).isEqualTo(4);
    ch.finishAndReleaseAll();
  }

  @Test
  void aWebSocketUpgradeIsLeftToTheBackend() {
    EmbeddedChannel ch = connection();
    ch.writeInbound(
        Unpooled.copiedBuffer(
            "GET /ws HTTP/1.1\r\nHost: nowhere.default.mesh\r\nConnection: Upgrade\r\n"
                + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            StandardCharsets.US_ASCII));
    ch.runPendingTasks();
    // Routed like any request (here: no such service), not answered by the h2c upgrade.
    assertThat(outbound(ch)).startsWith("HTTP/1.1 404");
    assertThat(ch.pipeline().get(Http2FrameCodec.class)).isNull();
    ch.finishAndReleaseAll();
  }
}
