package io.nodemesh.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.proxy.tap.Tap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Date;
import java.util.concurrent.RejectedExecutionException;

/**
 * One admin connection: HTTP/1.1 requests answered in order (pipelining included), each from the
 * routes below. Only GET is routed; anything else, and any other path, is 404 "Endpoint not found",
 * as the Helidon server before answered.
 *
 * <ul>
 *   <li>{@code /ping}: 200 {@code pong}, for the liveness probe;
 *   <li>{@code /ready}: 200 once a config is in force and its listeners are bound, else 503;
 *   <li>{@code /metrics}: the Prometheus text exposition (format 0.0.4);
 *   <li>{@code /config}: the listeners in force as JSON ({@link AdminServer#configJson});
 *   <li>{@code /tap}: live requests as JSON lines, for loopback callers and controller-signed
 *       grants only ({@link TapEndpoint}).
 * </ul>
 *
 * <p>{@code /ping} and {@code /ready} are answered on the event loop. {@code /metrics}, {@code
 * /config} and {@code /tap} run on a virtual thread (a scrape of a large mesh takes a while, a
 * tap's grant is verified and its stream blocks on the tap), and the connection reads nothing more
 * until it is answered, so responses keep the order of the requests (RFC 9112 section 9.3.2) and a
 * probe on another connection is never queued behind a scrape.
 *
 * <p>Malformed requests get a 4xx and a close: a request line over {@link
 * AdminServer#MAX_REQUEST_LINE} 414, a header section over {@link AdminServer#MAX_HEADER_BYTES} or
 * no single {@code Host} (RFC 9112 section 3.2) 400, another HTTP version than 1.1 505. Request
 * bodies are read and dropped.
 */
final class AdminHandler extends SimpleChannelInboundHandler<HttpObject> {
  private static final System.Logger LOG = System.getLogger(AdminHandler.class.getName());

  /** Requests read ahead of their answer; a client that pipelines more is closed. */
  static final int MAX_PIPELINED = 16;

  static final String TEXT = "text/plain";
  static final String JSON = "application/json";
  static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

  private final AdminView view;
  private final ArrayDeque<HttpRequest> pending = new ArrayDeque<>();
  // A request is being answered off the event loop; nothing else is answered until it is.
  private boolean busy;

  AdminHandler(AdminView view) {
    this.view = view;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
    // Bodies (HttpContent) are dropped: no admin route takes one. A body that does not parse (a
    // bad chunk size) leaves the decoder discarding the rest, so the connection is closed.
    if (!(msg instanceof HttpRequest) && msg.decoderResult().isFailure()) {
      ctx.close();
      return;
    }
    if (msg instanceof HttpRequest req) {
      if (pending.size() >= MAX_PIPELINED) {
        ctx.close();
        return;
      }
      pending.add(req);
      drain(ctx);
    }
  }

  private void drain(ChannelHandlerContext ctx) {
    while (!busy && ctx.channel().isActive() && !pending.isEmpty()) {
      handle(ctx, pending.poll());
    }
  }

  private void handle(ChannelHandlerContext ctx, HttpRequest req) {
    if (req.decoderResult().isFailure()) {
      boolean tooLong = req.decoderResult().cause() instanceof TooLongHttpLineException;
      fail(ctx, tooLong ? HttpResponseStatus.REQUEST_URI_TOO_LONG : HttpResponseStatus.BAD_REQUEST);
      return;
    }
    if (!HttpVersion.HTTP_1_1.equals(req.protocolVersion())) {
      fail(ctx, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED);
      return;
    }
    AdminTarget target = AdminTarget.parse(req.uri());
    if (req.headers().getAll(HttpHeaderNames.HOST).size() != 1 || target == null) {
      fail(ctx, HttpResponseStatus.BAD_REQUEST);
      return;
    }
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    String route = HttpMethod.GET.equals(req.method()) ? target.path() : "";
    switch (route) {
      case "/ping" -> send(ctx, text(HttpResponseStatus.OK, TEXT, "pong"), keepAlive);
      case "/ready" -> send(ctx, ready(), keepAlive);
      case "/metrics" ->
          offload(
              ctx,
              () -> send(ctx, text(HttpResponseStatus.OK, PROMETHEUS, view.scrape()), keepAlive));
      case "/config" ->
          offload(
              ctx,
              () ->
                  send(
                      ctx,
                      text(HttpResponseStatus.OK, JSON, AdminServer.configJson(view)),
                      keepAlive));
      case "/tap" -> offload(ctx, () -> tap(ctx, req, target, keepAlive));
      default ->
          send(ctx, text(HttpResponseStatus.NOT_FOUND, TEXT, "Endpoint not found"), keepAlive);
    }
  }

  private FullHttpResponse ready() {
    MeshConfig c = view.config();
    return c == null
        ? text(HttpResponseStatus.SERVICE_UNAVAILABLE, TEXT, "no config applied yet")
        : text(HttpResponseStatus.OK, TEXT, "ready, config version " + c.version());
  }

  /**
   * Runs {@code work} (which writes the answer) on a virtual thread; the connection reads and
   * answers nothing else meanwhile. Writes from another thread keep their order (Netty queues them
   * on the event loop), so the next request is taken up after the answer is written.
   */
  private void offload(ChannelHandlerContext ctx, Runnable work) {
    busy = true;
    ctx.channel().config().setAutoRead(false);
    Thread.ofVirtual()
        .name("nodemesh-admin-request")
        .start(
            () -> {
              try {
                work.run();
              } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "admin request failed", e);
                fail(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR);
              } finally {
                try {
                  ctx.executor().execute(() -> resume(ctx));
                } catch (RejectedExecutionException e) {
                  // The server is stopping: its connections close with it.
                }
              }
            });
  }

  private void resume(ChannelHandlerContext ctx) {
    busy = false;
    if (ctx.channel().isActive()) {
      ctx.channel().config().setAutoRead(true);
      drain(ctx);
    }
  }

  /** {@code GET /tap}, on a virtual thread: refused, or streamed until done or the reader left. */
  private void tap(
      ChannelHandlerContext ctx, HttpRequest req, AdminTarget target, boolean keepAlive) {
    TapEndpoint.Outcome outcome =
        TapEndpoint.open(
            req.headers(),
            target,
            ctx.channel().localAddress(),
            ctx.channel().remoteAddress(),
            view.taps(),
            view.tapGrants());
    if (outcome instanceof TapEndpoint.Outcome.Refused r) {
      send(ctx, text(r.status(), TEXT, r.message() + "\n"), keepAlive);
      return;
    }
    TapEndpoint.Outcome.Opened opened = (TapEndpoint.Outcome.Opened) outcome;
    try (Tap tap = opened.tap()) {
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers()
          .set(HttpHeaderNames.DATE, DateFormatter.format(new Date()))
          .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
          .set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson")
          .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
          .set(
              HttpHeaderNames.CONNECTION,
              keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(head);
      TapEndpoint.stream(tap, opened.limit(), new ChunkedOutput(ctx.channel()));
      ChannelFuture end = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      if (!keepAlive) {
        end.addListener(ChannelFutureListener.CLOSE);
      }
    } catch (IOException | UncheckedIOException e) {
      // The reader went away: closing the tap (above) and the connection is all there is to do.
      ctx.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ctx.close();
    }
  }

  private static FullHttpResponse text(HttpResponseStatus status, String type, String body) {
    ByteBuf content = Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8));
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    return r;
  }

  /** Writes {@code r} with the headers every answer has; closes after it unless kept alive. */
  private static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
    r.headers()
        .set(HttpHeaderNames.DATE, DateFormatter.format(new Date()))
        .setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes())
        .set(
            HttpHeaderNames.CONNECTION,
            keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
    ChannelFuture written = ctx.writeAndFlush(r);
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** An empty answer to a request that cannot be served, then a close. */
  private static void fail(ChannelHandlerContext ctx, HttpResponseStatus status) {
    send(
        ctx,
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER),
        false);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(Level.DEBUG, "admin connection failed: {0}", String.valueOf(cause));
    ctx.close();
  }
}
