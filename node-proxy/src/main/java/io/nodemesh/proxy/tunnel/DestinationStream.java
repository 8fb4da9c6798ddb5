package io.nodemesh.proxy.tunnel;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.access.AccessDecision;
import io.nodemesh.config.access.RequestView;
import io.nodemesh.config.http.PathCanonicalizer;
import io.nodemesh.config.http.RefusedTarget;
import io.nodemesh.proxy.resilience.Idempotent;
import io.nodemesh.proxy.resilience.ReplayBuffer;
import io.nodemesh.proxy.transport.ProxyHeader;
import io.nodemesh.proxy.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One tunnel stream at the destination: one HTTP request, or one CONNECT (RFC 9113 §8.5) carrying a
 * TCP connection. The peer's account comes from its certificate (verified in the handshake), the
 * destination account from this node's own table; the target must pass {@link TunnelTable#admit}
 * and the access rules must allow the peer, and only then does the proxy connect to the pod.
 *
 * <p>Backpressure: the pod side reads on demand, again once what it read has been written to the
 * stream; the stream side reads while the pod connection is writable (HTTP/2 flow control, RFC 9113
 * §5.2, then holds the caller back).
 */
final class DestinationStream extends ChannelInboundHandlerAdapter {
  private final TunnelTable table;
  private final String peer;
  private final String local;
  private final TunnelTls tls;
  private final TunnelMetrics metrics;
  private final Transport transport;
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private Channel stream;
  // Where the stream's messages go: the pod connection, or for h2c the one stream opened on it.
  private Channel pod;
  private Channel podConnection;
  private boolean started;
  private boolean connect;
  private boolean h2;
  private boolean podConnected;
  private boolean podEnded;
  private boolean podFailed;
  // HTTP/1.1 only: the pod connection goes back to the pool once both of these hold.
  private boolean requestSent;
  private boolean responseStarted;
  private boolean keepAlive;
  private InetSocketAddress podAddress;
  // A copy of a pooled connection's idempotent request, to send once more on a fresh connection
  // when the pod closes the pooled one before answering (RFC 9112 §9.3.1); null beyond its bound.
  private ReplayBuffer replay;
  private TunnelTable.Admission.Relay dialed;
  private boolean retried;
  // Set when the pod's port asked for PROXY protocol v2: written to the pod before any client byte.
  private ByteBuf proxyHeader;

  DestinationStream(
      TunnelTable table,
      String peer,
      String local,
      TunnelTls tls,
      TunnelMetrics metrics,
      Transport transport) {
    this.transport = transport;
    this.table = table;
    this.peer = peer;
    this.local = local;
    this.tls = tls;
    this.metrics = metrics;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    stream = ctx.channel();
    if (!started) {
      started = true;
      if (!(msg instanceof HttpRequest request)) {
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      start(ctx, request);
      return;
    }
    forward(msg);
  }

  private void start(ChannelHandlerContext ctx, HttpRequest request) {
    connect = request.method().equals(HttpMethod.CONNECT);
    String listener = request.headers().get(TunnelHeaders.LISTENER);
    String target = connect ? request.uri() : request.headers().get(TunnelHeaders.TARGET);
    TunnelTable.Admission a = table.admit(target, listener, local);
    if (a instanceof TunnelTable.Admission.Refused r) {
      refuse(ctx, request, "target", HttpResponseStatus.FORBIDDEN, "tunnel: " + r.reason());
      return;
    }
    TunnelTable.Admission.Relay relay = (TunnelTable.Admission.Relay) a;
    InetSocketAddress client = null;
    if (connect && request.headers().contains(TunnelHeaders.CLIENT)) {
      client = TunnelTable.socketAddress(request.headers().get(TunnelHeaders.CLIENT));
      if (client == null) {
        refuse(ctx, request, "request", HttpResponseStatus.BAD_REQUEST, "tunnel: bad client");
        return;
      }
    }
    RequestView view = null;
    if (!connect) {
      String path;
      try {
        path = PathCanonicalizer.canonical(request.uri());
      } catch (RefusedTarget e) {
        refuse(ctx, request, "request", HttpResponseStatus.BAD_REQUEST, "tunnel: bad path");
        return;
      }
      int q = path.indexOf('?');
      String bare = q >= 0 ? path.substring(0, q) : path;
      view =
          new RequestView() {
            @Override
            public String method() {
              return request.method().name();
            }

            @Override
            public String path() {
              return bare;
            }

            @Override
            public List<String> headers(String name) {
              return request.headers().getAll(name);
            }
          };
    }
    Protocol protocol = table.protocol(listener);
    AccessDecision d =
        table
            .access()
            .decideAs(
                listener, protocol == null ? Protocol.TCP : protocol, peer, relay.account(), view);
    if (d instanceof AccessDecision.Deny deny) {
      refuse(ctx, request, "access", HttpResponseStatus.FORBIDDEN, deny.message());
      return;
    }
    // The scheme comes from this node's own table, never from the caller.
    Scheme scheme = table.scheme(listener);
    h2 = !connect && scheme == Scheme.H2C;
    // An https pod's CONNECT stream carries the application's own TLS, inside the tunnel's.
    metrics.relayed(connect ? scheme == Scheme.HTTPS ? "https" : "tcp" : h2 ? "h2c" : "http");
    if (!connect) {
      TunnelHeaders.strip(request.headers());
      request
          .headers()
          .set(TunnelHeaders.PEER_IDENTITY, Spiffe.uri(tls.credentials().trustDomain(), peer));
      request.setProtocolVersion(HttpVersion.HTTP_1_1);
      // A keep-alive connection from the pool (RFC 9112 §9.3); nothing of the caller decides that.
      request.headers().remove(HttpHeaderNames.CONNECTION);
      pending.add(request);
    } else {
      ReferenceCountUtil.release(request);
      // A TCP relay to a port that asked for it (this node's table says so, not the caller): the
      // client's address as the caller's proxy told it, else LOCAL (proxy-protocol.txt §2.2), and
      // the peer's SPIFFE ID as verified here. An upgrade's CONNECT on an HTTP port never gets one.
      if (relay.proxyProtocol() && (client != null || protocol == Protocol.TCP)) {
        proxyHeader =
            ProxyHeader.v2(
                ctx.alloc(),
                client,
                relay.pod(),
                Spiffe.uri(tls.credentials().trustDomain(), peer));
      }
    }
    dial(ctx, relay);
  }

  private void dial(ChannelHandlerContext ctx, TunnelTable.Admission.Relay relay) {
    Channel parent = ctx.channel();
    podAddress = relay.pod();
    PodPool pool = metrics.podPools().of(parent.eventLoop());
    dialed = relay;
    if (!connect && !h2 && !retried) {
      Channel pooled = pool.borrow(podAddress, new PodSide());
      if (pooled != null) {
        podConnection = pooled;
        pod = pooled;
        replay =
            pending.peek() instanceof HttpRequest r && Idempotent.method(r.method().name())
                ? new ReplayBuffer()
                : null;
        podReady();
        return;
      }
    }
    Bootstrap b =
        transport
            .relayBootstrap(parent.eventLoop(), 5000)
            // Only a CONNECT stream relays a half-close; a pod's FIN ends an HTTP connection.
            .option(ChannelOption.ALLOW_HALF_CLOSURE, connect)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (h2) {
                      H2cToPod.prepare(ch);
                      return;
                    }
                    if (!connect) {
                      ch.pipeline().addLast("http", new HttpClientCodec());
                    }
                    ch.pipeline().addLast(PodPool.BACK, new PodSide());
                  }
                });
    if (h2) {
      pool.openH2(podAddress, b, new PodSide())
          .addListener(
              (Future<Channel> s) -> {
                if (!s.isSuccess()) {
                  podFailed("tunnel: no HTTP/2 stream to the pod");
                } else if (!stream.isActive()) {
                  // The caller went away meanwhile: reset the pod's stream, keep the connection.
                  s.getNow().close();
                } else {
                  pod = s.getNow();
                  podReady();
                }
              });
      return;
    }
    ChannelFuture f = b.connect(relay.pod());
    podConnection = f.channel();
    pod = podConnection;
    f.addListener(
        (ChannelFuture c) -> {
          if (!c.isSuccess()) {
            podFailed("tunnel: pod refused the connection");
          } else {
            podReady();
          }
        });
  }

  private void podFailed(String message) {
    podFailed = true;
    drop();
    if (podConnection != null) {
      podConnection.close();
    }
    if (stream.isActive()) {
      stream
          .writeAndFlush(text(HttpResponseStatus.BAD_GATEWAY, message))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void podReady() {
    podConnected = true;
    if (connect) {
      stream.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    }
    if (proxyHeader != null) {
      // First on the pod connection: the client's bytes (a forged header too) only follow it.
      pod.write(proxyHeader);
      proxyHeader = null;
    }
    Object m;
    while ((m = pending.poll()) != null) {
      write(m);
    }
    pod.flush();
    pod.read();
  }

  private ChannelFuture write(Object m) {
    if (replay != null) {
      if (m instanceof HttpObject o) {
        replay.add(o);
      }
      if (!replay.complete() || !(m instanceof HttpObject)) {
        // Over the bound (the buffer released its copies), or nothing it could send again.
        replay.release();
        replay = null;
      }
    }
    ChannelFuture f = pod.write(m);
    if (!connect && !h2 && m instanceof LastHttpContent) {
      f.addListener(
          (ChannelFuture w) -> {
            if (w.isSuccess()) {
              requestSent = true;
            }
          });
    }
    return f;
  }

  /** Stream to pod. */
  private void forward(Object msg) {
    if (!podConnected) {
      if (podFailed) {
        ReferenceCountUtil.release(msg);
        return;
      }
      pending.add(connect ? unwrap(msg) : msg);
      return;
    }
    if (pod == null) {
      // The response is complete and the connection pooled (or the stream's pod side is gone).
      ReferenceCountUtil.release(msg);
      return;
    }
    boolean last = msg instanceof LastHttpContent;
    Object out = connect ? unwrap(msg) : msg;
    Channel to = pod;
    ChannelFuture written = write(out);
    to.flush();
    written.addListener(
        (ChannelFuture f) -> {
          if (!f.isSuccess()) {
            // A kept request is sent again when the pod's side closes (PodSide.channelInactive).
            if (replay == null && pod == to) {
              stream.close();
            }
            return;
          }
          if (connect && last && pod instanceof DuplexChannel d) {
            d.shutdownOutput();
          }
        });
  }

  /** Whether the pod keeps the connection open after {@code r} (RFC 9112 §9.3). */
  private static boolean keepAlive(io.netty.handler.codec.http.HttpResponse r) {
    return r.protocolVersion().equals(HttpVersion.HTTP_1_1) && HttpUtil.isKeepAlive(r);
  }

  private static Object unwrap(Object msg) {
    return msg instanceof HttpContent c ? c.content() : msg;
  }

  /** Pod to stream. */
  private final class PodSide extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (replay != null) {
        // The pod answers: the request is in its hands now, never sent twice.
        replay.release();
        replay = null;
      }
      Object out = msg;
      if (connect && msg instanceof ByteBuf b) {
        out = new DefaultHttpContent(b);
      } else if (msg instanceof HttpObject o
          && !(o instanceof HttpContent)
          && !(o instanceof io.netty.handler.codec.http.HttpResponse)) {
        ReferenceCountUtil.release(msg);
        ctx.read();
        return;
      }
      if (msg instanceof HttpObject o && !o.decoderResult().isSuccess()) {
        // A malformed response never puts its connection back.
        keepAlive = false;
      }
      if (out instanceof io.netty.handler.codec.http.HttpResponse r) {
        if (r.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
          responseStarted = true;
          keepAlive = keepAlive(r);
        }
        r.headers().remove(HttpHeaderNames.CONNECTION);
      }
      if (!connect && !h2 && responseStarted && msg instanceof LastHttpContent) {
        Channel c = podConnection;
        if (keepAlive && requestSent && c != null && c.isActive()) {
          // Request and response both complete: the connection is clean for the next stream.
          podConnection = null;
          pod = null;
          metrics.podPools().of(c.eventLoop()).giveBack(podAddress, c);
          stream.writeAndFlush(out);
          return;
        }
      }
      stream
          .writeAndFlush(out)
          .addListener(
              (ChannelFuture f) -> {
                if (f.isSuccess()) {
                  ctx.read();
                } else {
                  ctx.close();
                }
              });
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      stream.config().setAutoRead(ctx.channel().isWritable());
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (connect && evt instanceof ChannelInputShutdownEvent) {
        // The pod's FIN: END_STREAM to the caller, whose side may still send (half-close); the
        // stream closes once both ends have ended, and the pod connection with it.
        podEnded = true;
        if (stream.isActive()) {
          stream.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (stream.isActive()) {
        if (connect && podEnded) {
          stream.close();
        } else if (connect) {
          stream
              .writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
              .addListener(ChannelFutureListener.CLOSE);
        } else if (!responseStarted
            && replay != null
            && replay.ended()
            && ctx.channel() == podConnection) {
          // A pooled connection the pod closed as it was reused, before any answer: an idempotent
          // request goes once more on a fresh connection (RFC 9112 §9.3.1, RFC 9110 §9.2.2).
          retry();
        } else if (!responseStarted) {
          // Before any response (a pooled connection the pod closed as it was borrowed, too): a
          // 502, never a retry, which a non-idempotent request does not allow (RFC 9110 §9.2.2).
          stream
              .writeAndFlush(
                  text(HttpResponseStatus.BAD_GATEWAY, "tunnel: the pod closed the connection"))
              .addListener(ChannelFutureListener.CLOSE);
        } else {
          stream.close();
        }
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private void refuse(
      ChannelHandlerContext ctx,
      HttpRequest request,
      String reason,
      HttpResponseStatus status,
      String message) {
    metrics.refused(reason);
    ReferenceCountUtil.release(request);
    ctx.writeAndFlush(text(status, message)).addListener(ChannelFutureListener.CLOSE);
  }

  private static FullHttpResponse text(HttpResponseStatus status, String message) {
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return r;
  }

  /** Sends the kept request again on a new pod connection, never from the pool. */
  private void retry() {
    ReplayBuffer r = replay;
    replay = null;
    retried = true;
    podConnection = null;
    pod = null;
    podConnected = false;
    requestSent = false;
    pending.addAll(r.copies());
    r.release();
    metrics.podPools().retried();
    dial(stream.pipeline().context(this), dialed);
  }

  private void drop() {
    if (replay != null) {
      replay.release();
      replay = null;
    }
    if (proxyHeader != null) {
      proxyHeader.release();
      proxyHeader = null;
    }
    Object m;
    while ((m = pending.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    drop();
    if (podConnection != null) {
      // An HTTP/1.1 connection not given back yet (its exchange is unfinished), or a CONNECT's.
      podConnection.close();
    } else if (h2 && pod != null) {
      // Resets only this stream on the shared connection: a caller's RST_STREAM (a cancelled gRPC
      // call, a passed deadline) reaches the pod as RST_STREAM (RFC 9113 §8.1).
      pod.close();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
