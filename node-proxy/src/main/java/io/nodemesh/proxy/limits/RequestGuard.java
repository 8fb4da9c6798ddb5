package io.nodemesh.proxy.limits;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.nodemesh.proxy.respond.Responses;
import io.nodemesh.proxy.transport.ConnectionDeadline;
import java.nio.channels.ClosedChannelException;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Sits right after the HTTP/1.1 server codec of one downstream connection and enforces what the
 * codec does not: exactly one Host in HTTP/1.1 and at most one in HTTP/1.0 (RFC 9112 §3.2),
 * HTTP/1.0 or 1.1 only, a cap on header fields, a deadline for the request head (slowloris) and a
 * stall limit for the body (slow POST). It counts every refusal, turns decoder failures into the
 * status they deserve (414, 431, 400), and on drain closes the connection when idle or after the
 * response in progress, which then carries {@code Connection: close}.
 *
 * <p>A refused head travels on as a request whose decoder result is a {@link RejectedRequest}, so
 * the proxy handler answers it in order after any pipelined request before it. A refusal in the
 * middle of a request (bad chunk, stalled body, slow head) is answered here: 400/408 when no
 * response has started, else a plain close; nothing the proxy writes afterwards gets through.
 *
 * <p>Once the connection has switched to HTTP/2 (prior knowledge or h2c upgrade) or to a tunnel
 * (101), the guard steps aside (HTTP/2 connections are drained by {@link Http2Drain}).
 *
 * <p>Body stalls are timed only while the proxy has asked for more ({@code read()} pending), so a
 * slow backend that holds back reads is never blamed on the client.
 */
final class RequestGuard extends ChannelDuplexHandler {
  /** The user event that starts a graceful drain of the connection. */
  static final Object DRAIN = new Object();

  /** How long an idle keep-alive connection stays open once a drain has started. */
  static final long IDLE_DRAIN_GRACE_MILLIS = 1000;

  private final LimitSettings settings;
  private final Rejections rejections;
  private ChannelHandlerContext ctx;

  /** Requests passed on whose final response has not been written completely. */
  private int outstanding;

  private boolean responseStarted;
  private boolean interim;
  private boolean inBody;
  private boolean headPending;
  private boolean draining;
  private boolean answered;
  private boolean tunnel;
  // Set and cleared on every request: one queued task per connection, not one per request.
  private ConnectionDeadline headTimer;
  private ConnectionDeadline bodyTimer;
  private final Runnable onHeadTimeout = this::onHeadTimeout;
  private final Runnable onBodyTimeout = this::onBodyTimeout;

  RequestGuard(LimitSettings settings, Rejections rejections, boolean draining) {
    this.settings = settings;
    this.rejections = rejections;
    this.draining = draining;
  }

  /** The handler that goes before the codec: it sees the first byte of each request head. */
  ChannelInboundHandlerAdapter headStart() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext c, Object msg) {
        if (msg instanceof ByteBuf b && b.isReadable()) {
          onBytes();
        }
        c.fireChannelRead(msg);
      }
    };
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    headTimer = new ConnectionDeadline(ctx.executor());
    bodyTimer = new ConnectionDeadline(ctx.executor());
  }

  private void onBytes() {
    if (tunnel || answered || inBody || headPending) {
      return;
    }
    headPending = true;
    startHeadTimer();
  }

  /** The head deadline runs only when no response is owed, so pipelining is not penalised. */
  private void startHeadTimer() {
    if (headPending && !headTimer.armed() && outstanding == 0 && !answered) {
      headTimer.arm(this, onHeadTimeout, settings.headerReadTimeout().toNanos());
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (tunnel) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (answered) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      // Also a full request (the decoder's stand-in for a head it could not parse): its content
      // part is part of the same verdict.
      onHead(request);
    } else if (msg instanceof HttpContent content) {
      bodyTimer.disarm(this);
      if (content.decoderResult().isFailure()) {
        Throwable cause = content.decoderResult().cause();
        String m = cause == null || cause.getMessage() == null ? "unknown" : cause.getMessage();
        rejections.count(Rejections.reasonOf(cause, m));
        content.release();
        inBody = false;
        answer(HttpResponseStatus.BAD_REQUEST, "malformed request body: " + m, true);
        return;
      }
      if (content instanceof LastHttpContent) {
        inBody = false;
      }
    }
    ctx.fireChannelRead(msg);
  }

  private void onHead(HttpRequest request) {
    headPending = false;
    headTimer.disarm(this);
    outstanding++;
    inBody = !(request instanceof LastHttpContent);
    DecoderResult result = request.decoderResult();
    RejectedRequest refused =
        result.isFailure() ? Rejections.classify(result.cause()) : validate(request);
    if (refused != null) {
      rejections.count(refused.reason());
      request.setDecoderResult(DecoderResult.failure(refused));
      // The connection closes after the answer; nothing after this head is read.
      inBody = false;
    }
  }

  private RejectedRequest validate(HttpRequest request) {
    HttpVersion v = request.protocolVersion();
    if (!v.equals(HttpVersion.HTTP_1_1) && !v.equals(HttpVersion.HTTP_1_0)) {
      return new RejectedRequest(
          HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
          RejectReason.UNSUPPORTED_VERSION,
          "unsupported protocol version " + v.text());
    }
    if (request.headers().size() > settings.maxHeaderCount()) {
      return new RejectedRequest(
          HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          RejectReason.TOO_MANY_HEADERS,
          "too many header fields: more than " + settings.maxHeaderCount());
    }
    // RFC 9112 §3.2: more than one Host line is refused in "any request message", HTTP/1.0 too;
    // only HTTP/1.1 must have one.
    // Counted without the list getAll would make (the field count is capped just above).
    int hosts = 0;
    Iterator<? extends CharSequence> it =
        request.headers().valueCharSequenceIterator(HttpHeaderNames.HOST);
    while (it.hasNext()) {
      it.next();
      hosts++;
    }
    if (hosts > 1 || (hosts == 0 && v.equals(HttpVersion.HTTP_1_1))) {
      return new RejectedRequest(
          HttpResponseStatus.BAD_REQUEST,
          RejectReason.BAD_HOST,
          hosts == 0
              ? "HTTP/1.1 request without Host"
              : v.text() + " request with " + hosts + " Host fields");
    }
    return null;
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    if (inBody && !answered && !tunnel) {
      bodyTimer.arm(this, onBodyTimeout, settings.bodyReadTimeout().toNanos());
    }
    ctx.read();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (tunnel) {
      ctx.write(msg, promise);
      return;
    }
    if (answered) {
      // This connection has been answered here; a late response must not follow the answer.
      ReferenceCountUtil.release(msg);
      promise.setFailure(new ClosedChannelException());
      return;
    }
    boolean closeAfter = false;
    if (msg instanceof HttpResponse r) {
      int code = r.status().code();
      if (code == 101) {
        // Upgraded (WebSocket): from here on the bytes are not HTTP/1.1 messages.
        tunnel = true;
        headTimer.disarm(this);
        bodyTimer.disarm(this);
        if (r.headers().containsValue(HttpHeaderNames.UPGRADE, "websocket", true)) {
          ctx.pipeline()
              .addAfter(
                  ctx.name(),
                  Limits.WEBSOCKET_LIMIT,
                  new WebSocketFrameLimit(settings.maxWebSocketFrame(), rejections));
        }
        ctx.write(msg, promise);
        return;
      }
      interim = code >= 100 && code < 200;
      if (!interim) {
        responseStarted = true;
        if (draining) {
          r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
      }
    }
    if (msg instanceof LastHttpContent) {
      if (interim) {
        interim = false;
      } else {
        outstanding = Math.max(0, outstanding - 1);
        responseStarted = false;
        closeAfter = draining;
      }
    }
    if (closeAfter) {
      ctx.write(msg, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.write(msg, promise);
    if (msg instanceof LastHttpContent) {
      startHeadTimer();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == DRAIN) {
      draining = true;
      if (!tunnel && outstanding == 0) {
        // The client may be sending its next request right now. Give it a moment to arrive and
        // be answered with Connection: close; closing at once would reset it unanswered.
        ctx.executor()
            .schedule(
                () -> {
                  if (outstanding == 0 && !headPending) {
                    ctx.close();
                  }
                },
                IDLE_DRAIN_GRACE_MILLIS,
                TimeUnit.MILLISECONDS);
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void onHeadTimeout() {
    if (!headPending || answered || !ctx.channel().isActive()) {
      return;
    }
    rejections.count(RejectReason.HEADER_TIMEOUT);
    answer(
        HttpResponseStatus.REQUEST_TIMEOUT,
        "request head not received within " + settings.headerReadTimeout().toMillis() + " ms",
        false);
  }

  private void onBodyTimeout() {
    if (!inBody || answered || !ctx.channel().isActive()) {
      return;
    }
    rejections.count(RejectReason.BODY_TIMEOUT);
    answer(
        HttpResponseStatus.REQUEST_TIMEOUT,
        "request body stalled for " + settings.bodyReadTimeout().toMillis() + " ms",
        true);
  }

  /**
   * Answers the request being read and closes, or only closes when another response is owed first
   * or this one has started: a second status line would corrupt the stream.
   *
   * @param headPassed whether the request's head was already passed on (counted as outstanding)
   */
  private void answer(HttpResponseStatus status, String line, boolean headPassed) {
    answered = true;
    headTimer.disarm(this);
    bodyTimer.disarm(this);
    boolean owedBefore = outstanding > (headPassed ? 1 : 0);
    if (owedBefore || responseStarted) {
      ctx.close();
      return;
    }
    ctx.writeAndFlush(Responses.text(ctx.alloc(), status, line, false))
        .addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    headTimer.close();
    bodyTimer.close();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    headTimer.close();
    bodyTimer.close();
  }
}
