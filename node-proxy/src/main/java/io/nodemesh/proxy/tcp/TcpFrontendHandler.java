package io.nodemesh.proxy.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ConnectionObservation;
import io.nodemesh.proxy.transport.Transport;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The client side of one TCP connection: on accept it picks a backend and endpoint from the table
 * in force, connects on the same event loop, then relays (see {@link RelayHandler}). No listener,
 * no ready endpoint or a failed connect closes the client connection.
 */
final class TcpFrontendHandler extends RelayHandler {
  private static final System.Logger LOG = System.getLogger(TcpFrontendHandler.class.getName());

  private final Transport transport;
  private final Duration connectTimeout;
  private final int proxyPort;
  private final Supplier<RoutingTable> table;
  // The table whose access control last let this connection through (event loop only).
  private RoutingTable checked;

  TcpFrontendHandler(
      Transport transport, Duration connectTimeout, int proxyPort, Supplier<RoutingTable> table) {
    this.transport = transport;
    this.connectTimeout = connectTimeout;
    this.proxyPort = proxyPort;
    this.table = table;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    Channel inbound = ctx.channel();
    checked = table.get();
    CompiledListener listener = checked.tcpByProxyPort(proxyPort);
    if (listener == null) {
      LOG.log(Level.DEBUG, "tcp proxy port {0,number,#}: no listener, connection closed", proxyPort);
      inbound.close();
      return;
    }
    String denied = listener.access().denyL4(inbound.remoteAddress());
    if (denied != null) {
      // Nothing was read and no upstream exists: not a byte reaches the backend.
      inbound.close();
      return;
    }
    listener.metrics().accepted(inbound, "tcp");
    switch (listener.route().pickConnection()) {
      case Pick.Unavailable u -> {
        LOG.log(
            Level.DEBUG,
            "tcp listener {0}: {1}, connection closed",
            listener.config().key(),
            u.message());
        inbound.close();
      }
      case Pick.Forward f -> connect(inbound, listener, f);
    }
  }

  /**
   * ACL mode: when a new config has been applied since the last check, the client's next bytes are
   * checked again, so revoking a TrafficTarget also ends connections opened before; nothing read
   * after the revocation reaches the backend.
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    RoutingTable now = table.get();
    if (now != checked) {
      checked = now;
      CompiledListener l = now.tcpByProxyPort(proxyPort);
      if (l != null && l.access().denyL4(ctx.channel().remoteAddress()) != null) {
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
    }
    super.channelRead(ctx, msg);
  }

  private void connect(Channel inbound, CompiledListener listener, Pick.Forward f) {
    RelayHandler backendSide = new RelayHandler();
    ConnectionObservation observed =
        listener
            .metrics()
            .connection(
                "tcp",
                listener.config(),
                f.service(),
                f.target().authority(),
                inbound.remoteAddress());
    countReads(observed::fromClient);
    backendSide.countReads(observed::toClient);
    inbound.closeFuture().addListener(x -> observed.end());
    Bootstrap b =
        new Bootstrap()
            .group(inbound.eventLoop())
            .channel(transport.socketChannel())
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis())))
            .handler(backendSide);
    ChannelFuture cf = b.connect(f.target().address());
    Channel outbound = cf.channel();
    cf.addListener(
        (ChannelFuture done) -> {
          if (!done.isSuccess()) {
            Throwable c = done.cause();
            LOG.log(
                Level.DEBUG,
                "tcp listener {0}: cannot connect to {1} ({2}): {3}, connection closed",
                listener.config().key(),
                f.target().authority(),
                f.service(),
                c == null ? "failed" : c.getClass().getSimpleName() + ": " + c.getMessage());
            inbound.close();
            return;
          }
          if (!inbound.isActive()) {
            outbound.close();
            return;
          }
          backendSide.attach(inbound);
          attach(outbound);
        });
    // A client that goes away while connecting cancels the upstream connection.
    inbound.closeFuture().addListener(x -> {
      if (!cf.isDone()) {
        outbound.close();
      }
    });
  }
}
