package io.nodemesh.proxy.decode;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.nodemesh.proxy.admit.Admission;
import io.nodemesh.proxy.admit.Refusal;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.metrics.RequestObservation;
import io.nodemesh.proxy.respond.Responses;
import io.nodemesh.proxy.routing.RequestTarget;
import io.nodemesh.proxy.routing.Route;
import io.nodemesh.proxy.routing.Router;
import io.nodemesh.proxy.upstream.DeadlineTimer;
import io.nodemesh.proxy.upstream.Downstream;
import io.nodemesh.proxy.upstream.Exchange;
import io.nodemesh.proxy.upstream.ForwardingHeaders;
import io.nodemesh.proxy.upstream.HttpProxyContext;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * One downstream HTTP/1.1 connection: routes each request and runs one {@link Exchange} at a time.
 * Reading is explicit ({@code AUTO_READ} off): the next read is requested when a forwarded body
 * chunk has been flushed upstream, or when the previous exchange has finished. Pipelined requests
 * that the decoder produced early are parked until then.
 */
public final class DownstreamHandler extends ChannelInboundHandlerAdapter implements Downstream {
  private static final System.Logger LOG = System.getLogger(DownstreamHandler.class.getName());
  private static final AttributeKey<ForwardingHeaders.Client> CLIENT =
      AttributeKey.valueOf(DownstreamHandler.class, "client");

  private final HttpProxyContext context;
  private final Router router;
  private final Admission admission;
  private final ArrayDeque<Object> parked = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private Exchange exchange;
  private DeadlineTimer deadlineTimer;
  private ForwardingHeaders.Client client;
  private boolean discarding;
  // Set once the connection is to close after what it has written: the codec may already have
  // decoded more requests from the same read, and none of them may reach a backend.
  private boolean closing;

  public DownstreamHandler(HttpProxyContext context, Router router) {
    this.context = context;
    this.router = router;
    this.admission = new Admission(context.limits(), context.metrics());
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * The client as the forwarding headers name it, or null when unknown; formatted once per
   * connection (an HTTP/2 stream keeps it on its connection, whose address it reports).
   */
  @Override
  public ForwardingHeaders.Client client() {
    if (client == null) {
      Channel ch = ctx.channel();
      if (ch instanceof Http2StreamChannel && ch.parent() != null) {
        Attribute<ForwardingHeaders.Client> a = ch.parent().attr(CLIENT);
        client = a.get();
        if (client == null) {
          client = clientOf(ch);
          a.set(client);
        }
      } else {
        client = clientOf(ch);
      }
    }
    return client;
  }

  private static ForwardingHeaders.Client clientOf(Channel ch) {
    return ch.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
        ? ForwardingHeaders.Client.of(a.getAddress())
        : null;
  }

  /** The request-timeout timer this connection's exchanges share, one exchange at a time. */
  @Override
  public DeadlineTimer deadlineTimer() {
    if (deadlineTimer == null) {
      deadlineTimer = new DeadlineTimer(ctx.executor());
    }
    return deadlineTimer;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if ((exchange != null && exchange.requestComplete()) || !parked.isEmpty()) {
      parked.add(msg);
      return;
    }
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    if (exchange != null) {
      if (msg instanceof HttpContent c) {
        exchange.onRequestContent(c);
      } else {
        ReferenceCountUtil.release(msg);
      }
      return;
    }
    if (discarding) {
      boolean last = msg instanceof LastHttpContent;
      ReferenceCountUtil.release(msg);
      if (last) {
        discarding = false;
        resume();
      } else {
        ctx.read();
      }
      return;
    }
    if (!(msg instanceof HttpRequest request)) {
      ReferenceCountUtil.release(msg);
      ctx.read();
      return;
    }
    // The stages after decode, in order: admit (limits on the head), route (which Service), admit
    // (its request rules, ACL), route and balance (rule, backend, rate limit, endpoint), admit
    // (in-flight slot), upstream. A refusal of any of them leaves through refuse().
    Refusal refused = admission.head(request);
    if (refused != null) {
      refuse(request, refused, null);
      return;
    }
    String path = RequestTarget.path(request.uri());
    InetAddress peer =
        ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    CompiledListener listener = router.listener(request);
    if (listener == null) {
      refuse(request, Refusal.of(router.unrouted()), null);
      return;
    }
    // The peer is the identity in ACL mode (an HTTP/2 stream reports its parent's).
    String source = listener.access().identity(peer);
    switch (Admission.listener(listener, request, path, peer)) {
      case Admission.Refused r -> refuse(request, r.refusal(), source);
      case Admission.Admitted a ->
          forward(request, Router.pick(listener, request, path, peer, a.pods()), source);
    }
  }

  private void forward(HttpRequest request, Route route, String source) {
    switch (route) {
      case Route.Reject r -> refuse(request, Refusal.of(r), source);
      case Route.Answer a -> answer(request, a, source);
      case Route.Forward f -> {
        Refusal full = admission.slot(f);
        if (full != null) {
          refuse(request, full, source);
          return;
        }
        Exchange e = new Exchange(this, ctx, context, f, request);
        e.source(source);
        exchange = e;
        e.start(request);
      }
    }
  }

  /** The one way out of a refusal ({@link Admission#refuse}), then the connection goes on. */
  private void refuse(HttpRequest request, Refusal r, String source) {
    boolean keepAlive = !r.close() && HttpUtil.isKeepAlive(request);
    boolean bodyFollows = !(request instanceof LastHttpContent);
    send(admission.refuse(r, request, ctx.channel(), source, keepAlive), keepAlive, bodyFollows);
  }

  /** A Gateway API rule answers itself: a redirect, an injected abort, a 500 (issue 17). */
  private void answer(HttpRequest request, Route.Answer a, String source) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    boolean bodyFollows = !(request instanceof LastHttpContent);
    RequestObservation o =
        context.metrics().startRequest(a.listener(), null, null, request, ctx.channel());
    if (a.status().code() == 403) {
      // As for reject: a caller no pod admits gets no source label of its own.
      o.unservedSource(source);
    } else {
      o.source(source);
    }
    o.route(a.rule().meter());
    o.end(a.status().code());
    ReferenceCountUtil.release(request);
    FullHttpResponse r;
    if (a.message() != null) {
      r = Responses.text(ctx.alloc(), a.status(), a.message(), keepAlive);
    } else {
      r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, a.status(), Unpooled.EMPTY_BUFFER);
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      if (!keepAlive) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
    }
    r.headers().setAll(a.headers());
    send(r, keepAlive, bodyFollows);
  }

  private void respond(
      HttpResponseStatus status, String message, boolean keepAlive, boolean bodyFollows) {
    send(Responses.text(ctx.alloc(), status, message, keepAlive), keepAlive, bodyFollows);
  }

  private void send(FullHttpResponse response, boolean keepAlive, boolean bodyFollows) {
    ChannelFuture f = ctx.writeAndFlush(response);
    if (!keepAlive) {
      closing = true;
      // The handler's context, not the future's channel: an HTTP/2 stream shares that.
      f.addListener(x -> ctx.close());
      releaseParked();
      return;
    }
    if (bodyFollows) {
      // Read and drop the rejected request's body so the connection stays usable.
      discarding = true;
      ctx.read();
    } else {
      resume();
    }
  }

  /** The exchange has forwarded the whole response. */
  @Override
  public void exchangeDone(Exchange e, boolean keepAlive) {
    if (exchange != e) {
      return;
    }
    exchange = null;
    if (!keepAlive) {
      closeAfterFlush();
      return;
    }
    if (parked.isEmpty()) {
      // The common case: ask for the next request; asking from inside the upstream channel's read
      // is safe, the read happens on a later turn of the event loop.
      if (ctx.channel().isActive()) {
        ctx.read();
      }
      return;
    }
    // Pipelined requests are resumed as a new task: dispatching one now would start the next
    // exchange inside the upstream channel's read callback of this one.
    ctx.executor().execute(this::resume);
  }

  /** The exchange failed before any response was sent; answer with a one-line error. */
  @Override
  public void exchangeFailed(
      Exchange e, HttpResponseStatus status, String message, boolean keepAlive) {
    if (exchange != e) {
      return;
    }
    exchange = null;
    if (ctx.channel().isActive()) {
      respond(status, message, keepAlive, false);
    }
  }

  /**
   * The exchange switched protocols: the connection is a tunnel now and this handler leaves the
   * pipeline; anything the client sent after the upgrade request belongs to the tunnel.
   */
  @Override
  public void exchangeUpgraded(Exchange e) {
    if (exchange != e) {
      return;
    }
    exchange = null;
    releaseParked();
  }

  /** The exchange failed after part of the response was sent: only a close can tell the client. */
  @Override
  public void exchangeAborted(Exchange e) {
    if (exchange != e) {
      return;
    }
    exchange = null;
    closing = true;
    releaseParked();
    ctx.close();
  }

  private void resume() {
    while (!parked.isEmpty() && ctx.channel().isActive() && !closing) {
      if (exchange != null && exchange.requestComplete()) {
        return;
      }
      dispatch(parked.poll());
    }
    if (exchange == null && !discarding && !closing && ctx.channel().isActive()) {
      ctx.read();
    }
  }

  private void closeAfterFlush() {
    closing = true;
    releaseParked();
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ctx.close());
  }

  private void releaseParked() {
    Object m;
    while ((m = parked.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Exchange e = exchange;
    exchange = null;
    if (e != null) {
      e.onDownstreamClosed();
    }
    if (deadlineTimer != null) {
      deadlineTimer.close();
    }
    releaseParked();
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      // Idle between requests: close. A request in flight has its own timeout instead.
      if (exchange == null) {
        releaseParked();
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(Level.DEBUG, "downstream {0}: {1}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
