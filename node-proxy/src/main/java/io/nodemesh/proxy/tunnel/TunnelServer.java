package io.nodemesh.proxy.tunnel;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.nodemesh.proxy.transport.Transport;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The destination side: accepts tunnel connections from other node proxies. The caller's SNI picks
 * which local account's certificate is shown; the caller must show a certificate of this mesh (its
 * SPIFFE ID is checked in the handshake); then each HTTP/2 stream is one relay request, decided by
 * {@link DestinationStream}.
 */
public final class TunnelServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TunnelServer.class.getName());
  static final AttributeKey<String> PEER = AttributeKey.valueOf("nodemesh.tunnel.peer");
  static final AttributeKey<String> LOCAL = AttributeKey.valueOf("nodemesh.tunnel.local");

  private final Channel server;
  private final TunnelMetrics metrics;

  private TunnelServer(Channel server, TunnelMetrics metrics) {
    this.server = server;
    this.metrics = metrics;
  }

  /**
   * Binds {@code bindHost:settings.port()}.
   *
   * @throws IllegalStateException when the port cannot be bound
   */
  public static TunnelServer start(
      Transport transport,
      String bindHost,
      TunnelSettings settings,
      TunnelTls tls,
      Supplier<TunnelTable> table,
      TunnelMetrics metrics) {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(transport.group())
            .channel(transport.serverChannel())
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(
                            "sni",
                            new SniHandler(
                                (String host, io.netty.util.concurrent.Promise<SslContext> p) -> {
                                  String account = Spiffe.accountOfSni(host);
                                  SslContext c =
                                      account == null ? null : tls.server(account).orElse(null);
                                  return c == null
                                      ? p.setFailure(
                                          new SSLException("no certificate here for SNI " + host))
                                      : p.setSuccess(c);
                                },
                                16 * 1024,
                                settings.connectTimeout().toMillis()))
                        .addLast(
                            "handshake", new Handshake(tls, table, settings, metrics, transport));
                  }
                });
    try {
      Channel ch =
          b.bind(new InetSocketAddress(bindHost, settings.port())).syncUninterruptibly().channel();
      LOG.log(Level.INFO, "tunnel port bound on {0}", ch.localAddress());
      return new TunnelServer(ch, metrics);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot bind the tunnel port " + bindHost + ":" + settings.port() + ": " + e.getMessage(),
          e);
    }
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  TunnelMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
  }

  /**
   * After the handshake: who the peer is, then HTTP/2 with one {@link DestinationStream} per
   * stream.
   */
  private static final class Handshake extends ChannelInboundHandlerAdapter {
    private final TunnelTls tls;
    private final Supplier<TunnelTable> table;
    private final TunnelSettings settings;
    private final TunnelMetrics metrics;
    private final Transport transport;
    private String local;

    Handshake(
        TunnelTls tls,
        Supplier<TunnelTable> table,
        TunnelSettings settings,
        TunnelMetrics metrics,
        Transport transport) {
      this.transport = transport;
      this.tls = tls;
      this.table = table;
      this.settings = settings;
      this.metrics = metrics;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof SniCompletionEvent sni && sni.isSuccess()) {
        local = Spiffe.accountOfSni(sni.hostname());
      } else if (evt instanceof SslHandshakeCompletionEvent hs) {
        if (!hs.isSuccess()) {
          metrics.handshakeFailed("server", hs.cause());
          ctx.close();
          return;
        }
        established(ctx);
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    private void established(ChannelHandlerContext ctx) throws SSLPeerUnverifiedException {
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      Certificate[] peerChain = ssl.engine().getSession().getPeerCertificates();
      String peer =
          peerChain.length == 0 || !(peerChain[0] instanceof X509Certificate leaf)
              ? null
              : Spiffe.accountOf(leaf, tls.credentials().trustDomain());
      if (peer == null || local == null || !TunnelTls.h2(ssl)) {
        metrics.handshakeFailed("server", null);
        ctx.close();
        return;
      }
      metrics.handshake("server");
      Channel ch = ctx.channel();
      ch.attr(PEER).set(peer);
      ch.attr(LOCAL).set(local);
      // Not past the end of the peer's certificate, nor of the one this side showed.
      X509Certificate peerLeaf = (X509Certificate) peerChain[0];
      long life =
          Math.min(
              Math.min(
                  peerLeaf.getNotAfter().getTime() - tls.clock().millis(),
                  tls.remainingMillis(local)),
              settings.maxAge().toMillis());
      ch.eventLoop().schedule(() -> ch.close(), Math.max(0, life), TimeUnit.MILLISECONDS);
      ChannelPipeline p = ctx.pipeline();
      // The caller closes its idle connections itself, race-free on its own event loop; this timer
      // is only the backstop for callers that vanish. Firing first, it would cut a request the
      // caller sent just before the close reached it (RFC 9113 §6.8), so it waits twice as long.
      long idle = 2 * settings.idleTimeout().toMillis();
      // Before the HTTP/2 codec, so that it sees every byte both ways: behind the multiplexer it
      // saw neither the streams' frames nor their writes, and closed busy connections each period.
      p.addLast("idle", new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS))
          .addLast("close-idle", new CloseIdle())
          .addLast(TunnelFlush.NAME, TunnelFlush.handler())
          .addLast(
              "frames",
              Http2FrameCodecBuilder.forServer()
                  .initialSettings(
                      Http2Settings.defaultSettings().maxConcurrentStreams(settings.maxStreams()))
                  .build())
          .addLast(
              "streams",
              new Http2MultiplexHandler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel stream) {
                      stream
                          .pipeline()
                          .addLast("http", new Http2StreamFrameToHttpObjectCodec(true))
                          .addLast(
                              "relay",
                              new DestinationStream(
                                  table.get(), peer, local, tls, metrics, transport));
                    }
                  }))
          .addLast("close-on-error", new CloseIdle());
      p.remove(this);
      metrics.connectionOpened(ch);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A failed handshake is counted by its completion event; this only ends the connection.
      ctx.close();
    }
  }

  private static final class CloseIdle extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        // Quiet is not idle while a stream is open (a slow pod, a silent WebSocket): only a
        // connection without streams is closed.
        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
        if (codec == null) {
          ctx.close();
        } else if (codec.connection().goAwaySent()) {
          // A period after the GOAWAY: the caller had its time to close, and did not.
          ctx.channel().close();
        } else if (codec.connection().numActiveStreams() == 0) {
          // Gracefully (RFC 9113 §6.8): a GOAWAY naming the last stream processed, through the
          // codec (this handler is in front of it). A stream the caller opened meanwhile is above
          // it, so the caller knows it was not processed and sends it again on a new connection;
          // the caller closes on the GOAWAY, and the next idle period closes what it left open.
          ctx.channel().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
        }
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
