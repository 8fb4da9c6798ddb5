package io.nodemesh.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.nodemesh.config.Scheme;
import io.nodemesh.proxy.metrics.RequestObservation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One request and its response, streamed between a downstream connection and an upstream one
 * borrowed from the event loop's pool. Everything runs on the downstream channel's event loop.
 * Backpressure: a request chunk flushed upstream triggers the next downstream read, a response
 * chunk flushed downstream triggers the next upstream read.
 */
final class Exchange {
  private final DownstreamHandler owner;
  private final ChannelHandlerContext down;
  private final HttpProxyContext context;
  private final Route.Forward route;
  private final boolean clientKeepAlive;
  private final HttpVersion clientVersion;
  private final boolean head;
  private final RequestObservation observation;
  private final ArrayDeque<HttpObject> pending = new ArrayDeque<>();
  private final Scheme scheme;
  private boolean upgrade;
  private ScheduledFuture<?> timeout;
  private UpstreamPool pool;
  private Channel up;
  private UpstreamHandler upHandler;
  private boolean requestComplete;
  private boolean responseStarted;
  private boolean informational;
  private boolean upstreamKeepAlive;
  private boolean downstreamKeepAlive;
  private boolean done;
  private int status = 502;

  Exchange(
      DownstreamHandler owner,
      ChannelHandlerContext down,
      HttpProxyContext context,
      Route.Forward route,
      HttpRequest request) {
    this.owner = owner;
    this.down = down;
    this.context = context;
    this.route = route;
    this.clientKeepAlive = HttpUtil.isKeepAlive(request);
    this.clientVersion = request.protocolVersion();
    this.head = HttpMethod.HEAD.equals(request.method());
    this.scheme = route.listener().config().policy().scheme();
    this.observation =
        context.metrics().startRequest(route.listener(), route.service(), route.target(), request, down.channel());
    context.inFlightCounter().incrementAndGet();
  }

  boolean requestComplete() {
    return requestComplete;
  }

  void start(HttpRequest request) {
    upgrade = scheme != Scheme.H2C && Tunnel.isUpgradeRequest(request, down.channel());
    boolean trailers = scheme != Scheme.HTTP && ForwardingHeaders.acceptsTrailers(request);
    String upgradeTo = request.headers().get(HttpHeaderNames.UPGRADE);
    ForwardingHeaders.prepareRequest(request, peer(down.channel()));
    if (upgrade) {
      // The one hop-by-hop pair a proxy passes on: it relays the tunnel itself (RFC 9110 §7.8).
      request.headers().set(HttpHeaderNames.UPGRADE, upgradeTo);
      request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }
    if (trailers) {
      // gRPC servers require "te: trailers" (the one TE value HTTP/2 allows, RFC 9113 §8.2.2).
      request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
    }
    observation.inject(request.headers());
    if (request instanceof HttpContent c) {
      observation.requestBytes(c.content().readableBytes());
    }
    requestComplete = request instanceof LastHttpContent;
    if (requestComplete) {
      startTimeout();
    }
    pending.add(request);
    pool = context.pool(down.channel().eventLoop());
    Future<Channel> acquired = pool.acquire(route.target(), scheme);
    if (acquired.isDone()) {
      acquired(acquired);
    } else {
      acquired.addListener(this::acquired);
    }
  }

  private void acquired(Future<? super Channel> f) {
    if (done) {
      if (f.isSuccess()) {
        ((Channel) f.getNow()).close();
      }
      return;
    }
    if (f.isSuccess()) {
      attach((Channel) f.getNow());
    } else {
      route.listener().metrics().connectError(route.service());
      fail(HttpResponseStatus.BAD_GATEWAY, "connect failed: " + describe(f.cause()));
    }
  }

  private void attach(Channel ch) {
    up = ch;
    upHandler = ch.pipeline().get(UpstreamHandler.class);
    upHandler.attach(this);
    HttpObject o;
    while ((o = pending.poll()) != null) {
      if (pending.isEmpty()) {
        up.writeAndFlush(o).addListener(this::afterRequestWrite);
      } else {
        up.write(o);
      }
    }
    up.read();
  }

  void onRequestContent(HttpContent content) {
    if (content instanceof LastHttpContent && !requestComplete) {
      requestComplete = true;
      if (!done && !responseStarted) {
        startTimeout();
      }
    }
    if (done) {
      content.release();
      return;
    }
    if (content.decoderResult().isFailure()) {
      content.release();
      abort();
      return;
    }
    observation.requestBytes(content.content().readableBytes());
    if (up == null) {
      pending.add(content);
    } else {
      up.writeAndFlush(content).addListener(this::afterRequestWrite);
    }
  }

  private void afterRequestWrite(Future<? super Void> f) {
    if (done) {
      return;
    }
    if (!f.isSuccess()) {
      onUpstreamClosed(f.cause());
      return;
    }
    if (!requestComplete) {
      down.read();
    }
  }

  void onUpstreamRead(HttpObject msg) {
    if (done) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg.decoderResult().isFailure()) {
      // Also a body cut short: the decoder ends it with a failed last chunk on a premature close.
      ReferenceCountUtil.release(msg);
      onUpstreamClosed(msg.decoderResult().cause());
      return;
    }
    if (msg instanceof HttpResponse r) {
      int code = r.status().code();
      // 1xx interim responses (100 Continue, 103 Early Hints) precede the final one (RFC 9110
      // §15.2).
      informational = code >= 100 && code < 200 && code != 101;
      if (informational) {
        ForwardingHeaders.stripHopByHop(r.headers());
      } else if (code == 101) {
        if (!upgrade) {
          ReferenceCountUtil.release(msg);
          onUpstreamClosed(new IllegalStateException("101 Switching Protocols without an Upgrade"));
          return;
        }
        responseStarted = true;
        if (timeout != null) {
          timeout.cancel(false);
        }
        status = code;
        String protocol = r.headers().get(HttpHeaderNames.UPGRADE);
        ForwardingHeaders.stripHopByHop(r.headers());
        r.headers()
            .set(HttpHeaderNames.UPGRADE, protocol == null ? "" : protocol)
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      } else {
        responseStarted = true;
        if (timeout != null) {
          timeout.cancel(false);
        }
        status = code;
        upstreamKeepAlive = HttpUtil.isKeepAlive(r);
        downstreamKeepAlive =
            ForwardingHeaders.prepareResponse(
                r, clientKeepAlive && requestComplete, clientVersion, head);
      }
    }
    if (!informational && msg instanceof HttpContent c) {
      observation.responseBytes(c.content().readableBytes());
    }
    boolean endsInterim = informational && msg instanceof LastHttpContent;
    boolean last = msg instanceof LastHttpContent && !informational;
    if (endsInterim) {
      informational = false;
    }
    if ((informational || endsInterim) && !clientVersion.equals(HttpVersion.HTTP_1_1)) {
      // A server must not send a 1xx response to an HTTP/1.0 client (RFC 9110 §15.2).
      ReferenceCountUtil.release(msg);
      up.read();
      return;
    }
    ChannelFuture written = down.writeAndFlush(msg);
    if (last && status == 101) {
      switchProtocols();
      return;
    }
    if (last) {
      finish();
      return;
    }
    written.addListener(
        f -> {
          if (done) {
            return;
          }
          if (!f.isSuccess()) {
            abort();
          } else {
            up.read();
          }
        });
  }

  void onUpstreamClosed(Throwable cause) {
    if (done) {
      return;
    }
    if (!responseStarted) {
      fail(
          HttpResponseStatus.BAD_GATEWAY,
          cause == null ? "connection closed before the response" : describe(cause));
    } else {
      abort();
    }
  }

  void onDownstreamClosed() {
    if (done) {
      return;
    }
    end();
    closeUpstream();
  }

  private void onTimeout() {
    if (done) {
      return;
    }
    if (!responseStarted) {
      fail(
          HttpResponseStatus.GATEWAY_TIMEOUT,
          "no response within " + context.settings().requestTimeout().toMillis() + " ms");
    } else {
      abort();
    }
  }

  /**
   * The request timeout runs from the end of the request to the response head: a long upload or a
   * long download is not a hung backend, silence after a complete request is.
   */
  private void startTimeout() {
    timeout =
        down.executor()
            .schedule(
                this::onTimeout,
                context.settings().requestTimeout().toNanos(),
                TimeUnit.NANOSECONDS);
  }

  private void finish() {
    end();
    observation.end(status);
    upHandler.detach();
    pool.release(UpstreamPool.key(route.target(), scheme), up, upstreamKeepAlive && requestComplete);
    owner.exchangeDone(this, downstreamKeepAlive && requestComplete);
  }

  /**
   * The backend accepted the upgrade: from now on both connections carry opaque bytes, relayed by
   * a {@link Tunnel} until either side closes. The exchange ends here; the tunnel is not a request.
   */
  private void switchProtocols() {
    end();
    observation.end(status);
    upHandler.detach();
    owner.exchangeUpgraded(this);
    Tunnel.splice(down.channel(), up);
  }

  private void fail(HttpResponseStatus failure, String reason) {
    end();
    status = failure.code();
    observation.end(status);
    closeUpstream();
    var l = route.listener().config();
    String line =
        failure.reasonPhrase().toLowerCase(java.util.Locale.ROOT)
            + ": service "
            + l.namespace()
            + "/"
            + route.service()
            + " endpoint "
            + route.target().authority()
            + ": "
            + reason;
    owner.exchangeFailed(this, failure, line, clientKeepAlive && requestComplete);
  }

  private void abort() {
    end();
    observation.end(status);
    closeUpstream();
    owner.exchangeAborted(this);
  }

  private void end() {
    done = true;
    context.limits().releaseUpstream(route.listener().config().namespace(), route.service());
    if (timeout != null) {
      timeout.cancel(false);
    }
    context.inFlightCounter().decrementAndGet();
    HttpObject o;
    while ((o = pending.poll()) != null) {
      ReferenceCountUtil.release(o);
    }
  }

  private void closeUpstream() {
    if (upHandler != null) {
      upHandler.detach();
    }
    if (up != null) {
      up.close();
    }
  }

  private static InetAddress peer(Channel ch) {
    return ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
  }

  private static String describe(Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return m == null ? root.getClass().getSimpleName() : m.replace('\n', ' ');
  }
}
