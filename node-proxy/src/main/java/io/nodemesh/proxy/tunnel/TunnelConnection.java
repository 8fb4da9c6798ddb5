package io.nodemesh.proxy.tunnel;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.nodemesh.proxy.transport.Transport;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * One mTLS HTTP/2 connection from this proxy to another node's proxy, for one (source account,
 * destination node, destination account). Lives on one event loop. Retired (no new streams; closed
 * when its last stream ends) when the peer says GOAWAY, at its maximum age, at the end of either
 * certificate's life, or after an idle time without streams.
 */
final class TunnelConnection {
  private final TunnelClient.Key key;
  private final TunnelClient.LoopPool pool;
  private final TunnelSettings settings;
  private final Promise<Channel> ready;
  private final EventLoop loop;
  private final long startedNanos = System.nanoTime();
  // The source certificate this connection presents (its serial when it was made).
  private final java.math.BigInteger sourceSerial;
  private int streams;
  private boolean retired;
  // The last-stream-id of the peer's GOAWAY, -1 before one: streams above it were not processed.
  private int goAwayLast = -1;

  TunnelConnection(
      TunnelClient.Key key,
      TunnelClient.LoopPool pool,
      EventLoop loop,
      Transport transport,
      SslContext ssl,
      TunnelSettings settings,
      TunnelTls tls,
      TunnelMetrics metrics,
      java.net.InetSocketAddress proxy) {
    this.key = key;
    this.pool = pool;
    this.settings = settings;
    this.loop = loop;
    this.ready = loop.newPromise();
    this.sourceSerial = tls.serial(key.source());
    long timeout = settings.connectTimeout().toMillis();
    Bootstrap b =
        new Bootstrap()
            .group(loop)
            .channel(transport.socketChannel())
            .disableResolver()
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    // No peer host: the JDK then never offers a cached session (TunnelTls).
                    SslHandler h = ssl.newHandler(ch.alloc());
                    h.setHandshakeTimeoutMillis(timeout);
                    SSLEngine engine = h.engine();
                    SSLParameters p = engine.getSSLParameters();
                    p.setServerNames(List.of(new SNIHostName(Spiffe.sni(key.destination()))));
                    engine.setSSLParameters(p);
                    ch.pipeline().addLast("tls", h).addLast("close-on-error", new CloseOnError());
                  }
                });
    ChannelFuture connect = b.connect(proxy);
    connect.addListener(
        (ChannelFuture f) -> {
          if (!f.isSuccess()) {
            metrics.handshakeFailed("client", f.cause());
            fail(f.cause());
            return;
          }
          Channel ch = f.channel();
          SslHandler h = ch.pipeline().get(SslHandler.class);
          h.handshakeFuture()
              .addListener(
                  hs -> {
                    if (!hs.isSuccess()) {
                      metrics.handshakeFailed("client", hs.cause());
                      ch.close();
                      fail(hs.cause());
                      return;
                    }
                    String refused = refusal(h, tls);
                    if (refused != null) {
                      SSLException e = new SSLException(refused);
                      metrics.handshakeFailed(
                          "client", TunnelTls.h2(h) ? new CertificateException(refused, e) : e);
                      ch.close();
                      fail(e);
                      return;
                    }
                    metrics.handshake("client");
                    metrics.connectionOpened(ch);
                    established(ch, tls);
                  });
        });
  }

  /**
   * Why the finished handshake of {@code h} may not carry this connection, or null: no {@code h2}
   * agreed, or a destination that is not the account this connection is for (the chain and trust
   * domain were checked in the handshake; the context serves every destination, TunnelTls).
   */
  private String refusal(SslHandler h, TunnelTls tls) {
    if (!TunnelTls.h2(h)) {
      return "the destination did not agree on ALPN h2";
    }
    String peer = null;
    try {
      java.security.cert.Certificate[] chain = h.engine().getSession().getPeerCertificates();
      if (chain.length > 0 && chain[0] instanceof java.security.cert.X509Certificate leaf) {
        peer = Spiffe.accountOf(leaf, tls.credentials().trustDomain());
      }
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      peer = null;
    }
    return key.destination().equals(peer)
        ? null
        : "peer is " + peer + ", expected " + key.destination();
  }

  private void fail(Throwable cause) {
    retire();
    ready.tryFailure(cause);
  }

  private void established(Channel ch, TunnelTls tls) {
    ChannelPipeline p = ch.pipeline();
    p.addLast(TunnelFlush.NAME, TunnelFlush.handler())
        .addLast(
            "frames",
            Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                .encoderEnforceMaxConcurrentStreams(true)
                .build())
        .addLast("streams", new Http2MultiplexHandler(new RefuseStreams()))
        .addLast("goaway", new GoAway());
    ch.closeFuture().addListener(f -> retire());
    // The connection ends before the certificates do: ours, and the peer's as it showed it.
    long life = settings.maxAge().toMillis();
    life = Math.min(life, tls.remainingMillis(key.source()));
    try {
      java.security.cert.Certificate[] peer =
          ch.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
      if (peer.length > 0 && peer[0] instanceof java.security.cert.X509Certificate x) {
        life = Math.min(life, x.getNotAfter().getTime() - tls.clock().millis());
      }
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      life = 0;
    }
    ch.eventLoop().schedule(this::retire, Math.max(0, life), TimeUnit.MILLISECONDS);
    ready.setSuccess(ch);
    idleCheck(ch);
  }

  /**
   * Whether this connection presents the source certificate whose serial is {@code serial}: after a
   * rotation new streams go to a new connection with the new certificate, and this one retires when
   * its streams end (no stream is cut).
   */
  boolean presents(java.math.BigInteger serial) {
    return java.util.Objects.equals(sourceSerial, serial);
  }

  /** Whether a new stream may go here. */
  boolean usable() {
    if (retired) {
      return false;
    }
    if (!ready.isDone()) {
      return streams < settings.maxStreams();
    }
    if (!ready.isSuccess() || !ready.getNow().isActive()) {
      return false;
    }
    Http2FrameCodec codec = ready.getNow().pipeline().get(Http2FrameCodec.class);
    int peerMax = codec == null ? 0 : codec.connection().local().maxActiveStreams();
    return streams < Math.min(peerMax, settings.maxStreams());
  }

  /**
   * A new stream whose pipeline begins with the tunnel's headers and ends as {@code finish} says.
   */
  Future<Channel> openStream(String target, String listenerKey, Consumer<ChannelPipeline> finish) {
    streams++;
    Promise<Channel> out = loop.newPromise();
    if (ready.isDone()) {
      open(out, target, listenerKey, finish);
    } else {
      ready.addListener(f -> open(out, target, listenerKey, finish));
    }
    return out;
  }

  private void open(
      Promise<Channel> out, String target, String listenerKey, Consumer<ChannelPipeline> finish) {
    if (!ready.isSuccess()) {
      streams--;
      out.setFailure(ready.cause());
      return;
    }
    Channel parent = ready.getNow();
    new Http2StreamChannelBootstrap(parent)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.config().setAutoRead(false);
                Refused refused = new Refused();
                ch.attr(io.nodemesh.proxy.upstream.UpstreamRelay.UNPROCESSED)
                    .set(() -> refused.refused || unprocessed(((Http2StreamChannel) ch).stream()));
                ch.pipeline()
                    .addLast("tunnel-refused", refused)
                    .addLast("tunnel-target", new TargetHeaders(target, listenerKey));
                finish.accept(ch.pipeline());
                ChannelHandlerContext codec =
                    ch.pipeline()
                        .context(
                            io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec.class);
                if (codec != null) {
                  ch.pipeline().addAfter(codec.name(), BodilessRequest.NAME, new BodilessRequest());
                  // An exchange's stream: each read takes the frames in hand, so that a response's
                  // head and body reach the client in one write. Not a CONNECT stream, whose bytes
                  // after the 2xx wait for the relay that reads them.
                  ch.config().setRecvByteBufAllocator(StreamReads.INSTANCE);
                }
              }
            })
        .open()
        .addListener(
            (Future<Http2StreamChannel> f) -> {
              if (f.isSuccess()) {
                f.getNow()
                    .closeFuture()
                    .addListener(
                        c -> {
                          streams--;
                          idleCheck(parent);
                        });
                out.setSuccess(f.getNow());
              } else {
                streams--;
                out.setFailure(f.cause());
              }
            });
  }

  EventLoop loop() {
    return loop;
  }

  /**
   * Whether the peer's GOAWAY says it never processed {@code stream}: its id is above the
   * last-stream-id, or it got none because the GOAWAY came before its HEADERS went out (RFC 9113
   * §6.8).
   */
  private boolean unprocessed(io.netty.handler.codec.http2.Http2FrameStream stream) {
    return unprocessed(stream.id(), goAwayLast);
  }

  /**
   * The rule: after a GOAWAY whose last-stream-id is {@code goAwayLast} (-1 before one), stream
   * {@code streamId} (-1 while its HEADERS have not been written) was never processed.
   */
  static boolean unprocessed(int streamId, int goAwayLast) {
    return goAwayLast >= 0 && (streamId <= 0 || streamId > goAwayLast);
  }

  boolean retired() {
    return retired;
  }

  long ageNanos() {
    return System.nanoTime() - startedNanos;
  }

  private void idleCheck(Channel ch) {
    if (retired && streams == 0) {
      ch.close();
      return;
    }
    if (streams == 0) {
      ch.eventLoop()
          .schedule(
              () -> {
                if (streams == 0 && ch.isActive()) {
                  retire();
                  ch.close();
                }
              },
              settings.idleTimeout().toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  /** No new streams; the connection closes when its last stream ends. */
  void retire() {
    if (!retired) {
      retired = true;
      pool.retire(key, this);
    }
    if (ready.isSuccess() && streams == 0) {
      ready.getNow().close();
    }
  }

  /** Adds the relay target and listener to each request head this stream sends. */
  private static final class TargetHeaders extends io.netty.channel.ChannelOutboundHandlerAdapter {
    private final String target;
    private final String listener;

    TargetHeaders(String target, String listener) {
      this.target = target;
      this.listener = listener;
    }

    @Override
    public void write(
        ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
      if (msg instanceof io.netty.handler.codec.http2.Http2HeadersFrame h
          && h.headers().method() != null) {
        h.headers().set(TunnelHeaders.TARGET, target);
        h.headers().set(TunnelHeaders.LISTENER, listener);
      }
      ctx.write(msg, promise);
    }
  }

  private final class GoAway extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2GoAwayFrame g) {
        goAwayLast = goAwayLast < 0 ? g.lastStreamId() : Math.min(goAwayLast, g.lastStreamId());
        retire();
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Notes a stream the peer refused before processing it (RFC 9113 §8.7, REFUSED_STREAM). */
  private static final class Refused extends ChannelInboundHandlerAdapter {
    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof io.netty.handler.codec.http2.Http2ResetFrame r
          && r.errorCode() == io.netty.handler.codec.http2.Http2Error.REFUSED_STREAM.code()) {
        refused = true;
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** A failed handshake fails the connection's promise; the exception itself only closes. */
  private static final class CloseOnError extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static final class RefuseStreams extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
      ctx.close();
    }
  }

  static IOException noIdentity(String account) {
    return new IOException("tunnel: no certificate held for " + account);
  }
}
