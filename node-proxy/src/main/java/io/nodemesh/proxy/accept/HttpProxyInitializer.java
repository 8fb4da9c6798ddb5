package io.nodemesh.proxy.accept;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AsciiString;
import io.nodemesh.proxy.decode.CheckedUpgradeCodec;
import io.nodemesh.proxy.decode.DownstreamHandler;
import io.nodemesh.proxy.decode.Http2Downstream;
import io.nodemesh.proxy.routing.ListenerRouter;
import io.nodemesh.proxy.routing.Router;
import io.nodemesh.proxy.transport.IdleTimeout;
import io.nodemesh.proxy.upstream.Downstream;
import io.nodemesh.proxy.upstream.Exchange;
import io.nodemesh.proxy.upstream.HttpProxyContext;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The pipeline of a downstream connection, on a service listener or the entry port. It starts as
 * HTTP/1.1 and switches to HTTP/2 on the client's connection preface (prior knowledge) or on an
 * {@code Upgrade: h2c} request (RFC 7540 §3.2). Either way each request ends up as Netty HTTP/1.x
 * objects in a {@link DownstreamHandler}: on the connection itself for HTTP/1.1, on one child
 * channel per stream for HTTP/2. Routing, access control, resilience and metrics therefore have one
 * place for both protocols: {@link DownstreamHandler} and {@link Exchange}.
 */
public final class HttpProxyInitializer extends ChannelInitializer<Channel> {
  public static final String FLUSH = "flush-consolidation";
  public static final String IDLE = "idle";
  public static final String H2C_DETECT = "h2c-detect";
  public static final String PROXY = Downstream.HANDLER;

  /**
   * The largest request with an {@code Upgrade} header that is held in memory while the upgrade is
   * decided; such requests rarely carry a body.
   */
  static final int MAX_UPGRADE_REQUEST = 64 * 1024;

  private final HttpProxyContext context;
  private final Supplier<Router> routers;
  private final LongSupplier idleMillis;

  /**
   * @param routers makes the router of each new connection (shared by its HTTP/2 streams)
   */
  public HttpProxyInitializer(HttpProxyContext context, Supplier<Router> routers) {
    this(context, routers, () -> 0);
  }

  /**
   * @param idleMillis the idle timeout of a new connection, read when it is accepted: the Service's
   *     {@code nodemesh.io/idle-timeout} on its own port; 0 for the proxy's setting
   */
  public HttpProxyInitializer(
      HttpProxyContext context, Supplier<Router> routers, LongSupplier idleMillis) {
    this.context = context;
    this.routers = routers;
    this.idleMillis = idleMillis;
  }

  @Override
  protected void initChannel(Channel ch) {
    context.metrics().downstreamOpened(ch, "http");
    ChannelPipeline p = ch.pipeline();
    Router router = routers.get();
    addTcpHandlers(p);
    addTimeoutHandlers(p);
    addProtocolHandlers(p, router);
    addMeshHandlers(p, router);
    context.limits().installDownstream(p, p.context(HttpServerCodec.class).name());
  }

  /**
   * A response is written while the upstream channel reads: its head and its body arrive as two
   * messages of one upstream read, each flushed. Consolidating the flushes into one task that runs
   * after that read sends them in one write syscall instead of two (docs/benchmarks.md). HTTP/2
   * streams write through this channel too and gain the same way.
   */
  private static void addTcpHandlers(ChannelPipeline p) {
    p.addLast(FLUSH, new FlushConsolidationHandler(256, true));
  }

  private void addTimeoutHandlers(ChannelPipeline p) {
    long service = idleMillis.getAsLong();
    long idle =
        service > 0
            ? TimeUnit.MILLISECONDS.toNanos(service)
            : context.settings().idleTimeout().toNanos();
    p.addLast(IDLE, new IdleTimeout(idle, TimeUnit.NANOSECONDS));
  }

  /**
   * HTTP/1.1, with the two ways into HTTP/2 in front of it. The detector adds the HTTP/1.1 codec
   * and the upgrade handler after itself, unnamed: look the codec up by its class, {@link
   * HttpServerCodec}.
   */
  private void addProtocolHandlers(ChannelPipeline p, Router router) {
    HttpServerCodec http1 = new HttpServerCodec(context.limits().decoderConfig());
    HttpServerUpgradeHandler.UpgradeCodecFactory upgrades =
        protocol ->
            AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                ? new CheckedUpgradeCodec(
                    new Http2ServerUpgradeCodec(
                        Http2Downstream.frameCodec(context),
                        Http2Downstream.handlers(context, router)))
                : null;
    p.addLast(
        H2C_DETECT,
        new CleartextHttp2ServerUpgradeHandler(
            http1,
            new HttpServerUpgradeHandler(http1, upgrades, MAX_UPGRADE_REQUEST),
            Http2Downstream.priorKnowledge(context, router)));
  }

  private void addMeshHandlers(ChannelPipeline p, Router router) {
    if (router instanceof ListenerRouter) {
      p.addLast(ListenerWatch.NAME, new ListenerWatch(router, context.limits()));
    }
    p.addLast(PROXY, new DownstreamHandler(context, router));
  }
}
