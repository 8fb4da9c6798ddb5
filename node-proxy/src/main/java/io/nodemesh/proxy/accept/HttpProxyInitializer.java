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
import io.nodemesh.proxy.limits.Limits;
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
 * The pipeline of a downstream connection, on a service listener or the entry port: the whole HTTP
 * request path, in order, stage by stage (docs/architecture.md, "The request path").
 *
 * <pre>
 * accept    connection-limit      the listener's connection cap (limits)
 *           flush-consolidation   one write syscall per upstream read batch
 *           idle                  the idle timeout
 * decode    h2c-detect            HTTP/2 on its connection preface; else it puts after itself:
 * admit     head-start              the request head's read deadline, from its first byte (limits)
 * decode    (HttpServerCodec)       HTTP/1.1
 * admit     request-guard           head and body deadlines, framing and size checks (limits)
 * decode    (upgrade handler)       HTTP/2 on {@code Upgrade: h2c} (RFC 7540 §3.2)
 * accept    listener-watch        drains the connection when its listener is removed (ACL mode)
 * decode..  proxy                 DownstreamHandler: per request, admit, route, balance, upstream,
 *                                 respond
 * </pre>
 *
 * HTTP/2, by preface or upgrade, replaces the HTTP/1.1 handlers with its frame handlers ({@link
 * Http2Downstream}); streams get no channel or pipeline of their own:
 *
 * <pre>
 * admit     h2-head-deadline      the request head's deadline, on the raw frames (limits)
 * decode    h2-frames             the HTTP/2 frame codec: flow control, stream states, GOAWAY
 * admit     h2-stream-errors      RST_STREAM with the code of a stream error (limits)
 * decode..  h2-streams            the map of open streams; per stream, its checks (limits'
 *                                 Http2StreamGuard), frames to HTTP objects and back, and its own
 *                                 DownstreamHandler: admit, route, balance, upstream, respond
 * accept    h2-connection         idle close, drain when the listener closes
 * </pre>
 *
 * Routing, access control, resilience and metrics therefore have one place for both protocols:
 * {@link DownstreamHandler} and the upstream stage's {@link Exchange}.
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
    Limits.DownstreamChecks checks = context.limits().downstream(ch);
    // accept
    p.addLast(Limits.CONNECTION_LIMIT, checks.connectionLimit());
    p.addLast(FLUSH, flushConsolidation());
    p.addLast(IDLE, idleTimeout());
    // decode: the detector adds the HTTP/1.1 codec and the upgrade handler after itself, unnamed
    p.addLast(H2C_DETECT, protocols(router));
    String http1 = p.context(HttpServerCodec.class).name();
    // admit, as the request head is read
    p.addBefore(http1, Limits.HEAD_START, checks.headStart());
    p.addAfter(http1, Limits.REQUEST_GUARD, checks.requestGuard());
    // accept: a listener removed in ACL mode takes its connections' grants with it
    if (router instanceof ListenerRouter) {
      p.addLast(ListenerWatch.NAME, new ListenerWatch(router, context.limits()));
    }
    // decode, then per request admit, route, balance, upstream, respond
    p.addLast(PROXY, new DownstreamHandler(context, router));
  }

  /**
   * A response is written while the upstream channel reads: its head and its body arrive as two
   * messages of one upstream read, each flushed. Consolidating the flushes into one task that runs
   * after that read sends them in one write syscall instead of two (docs/benchmarks.md). HTTP/2
   * streams write through this channel too and gain the same way.
   */
  private static FlushConsolidationHandler flushConsolidation() {
    return new FlushConsolidationHandler(256, true);
  }

  private IdleTimeout idleTimeout() {
    long service = idleMillis.getAsLong();
    long idle =
        service > 0
            ? TimeUnit.MILLISECONDS.toNanos(service)
            : context.settings().idleTimeout().toNanos();
    return new IdleTimeout(idle, TimeUnit.NANOSECONDS);
  }

  /**
   * HTTP/1.1, with the two ways into HTTP/2 in front of it: the connection preface (prior
   * knowledge) and {@code Upgrade: h2c}. Look the HTTP/1.1 codec up by its class, {@link
   * HttpServerCodec}.
   */
  private CleartextHttp2ServerUpgradeHandler protocols(Router router) {
    HttpServerCodec http1 = new HttpServerCodec(context.limits().decoderConfig());
    HttpServerUpgradeHandler.UpgradeCodecFactory upgrades =
        protocol ->
            AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                ? new CheckedUpgradeCodec(
                    new Http2ServerUpgradeCodec(
                        Http2Downstream.frameCodec(context),
                        Http2Downstream.handlers(context, router)))
                : null;
    return new CleartextHttp2ServerUpgradeHandler(
        http1,
        new HttpServerUpgradeHandler(http1, upgrades, MAX_UPGRADE_REQUEST),
        Http2Downstream.priorKnowledge(context, router));
  }
}
