package io.nodemesh.proxy.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.proxy.acl.AccessGuard;
import io.nodemesh.proxy.balance.Call;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.balance.Target;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ConnectionObservation;
import io.nodemesh.proxy.recheck.ConfigApplied;
import io.nodemesh.proxy.recheck.Revocations;
import io.nodemesh.proxy.resilience.Failure;
import io.nodemesh.proxy.transport.IdleTimeout;
import io.nodemesh.proxy.transport.ProxyHeader;
import io.nodemesh.proxy.transport.Transport;
import io.nodemesh.proxy.upstream.UpstreamRelay;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The client side of one TCP connection: on accept it picks a backend and endpoint from the table
 * in force (rate limit, split, circuit breaker, balancing), connects on the same event loop, then
 * relays (see {@link RelayHandler}). A failed connect is retried on another endpoint when the
 * Service allows retries (nothing has reached a backend yet); no listener, no usable endpoint, a
 * refused rate limit or a last failed connect closes the client connection. With a Service idle
 * timeout, a relay with no traffic either way for that long is closed.
 */
final class TcpFrontendHandler extends RelayHandler {
  private static final System.Logger LOG = System.getLogger(TcpFrontendHandler.class.getName());
  static final String IDLE = "tcp-idle";

  private final Transport transport;
  private final Duration connectTimeout;
  private final int proxyPort;
  private final Supplier<RoutingTable> table;
  private final Supplier<UpstreamRelay> relay;
  // The table whose access control last let this connection through (event loop only).
  private RoutingTable checked;
  private ConnectionObservation observed;
  private long readBeforeConnect;

  /** The pod of the current attempt, whose service account a new config must still allow. */
  private java.net.InetAddress endpoint;

  TcpFrontendHandler(
      Transport transport,
      Duration connectTimeout,
      int proxyPort,
      Supplier<RoutingTable> table,
      Supplier<UpstreamRelay> relay) {
    this.relay = relay;
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
      LOG.log(
          Level.DEBUG, "tcp proxy port {0,number,#}: no listener, connection closed", proxyPort);
      inbound.close();
      return;
    }
    AccessPolicy.Admission admitted = listener.access().admitL4(inbound.remoteAddress());
    if (AccessGuard.deniedMessage(admitted) != null) {
      // Nothing was read and no upstream exists: not a byte reaches the backend.
      inbound.close();
      return;
    }
    listener.metrics().accepted(inbound, "tcp");
    var source = inbound.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    switch (listener.route().pickConnection(source, admitted.pods())) {
      case Pick.Unavailable u -> {
        if (u.status() == Pick.Unavailable.TOO_MANY_REQUESTS) {
          listener.metrics().rateLimited();
        }
        LOG.log(
            Level.DEBUG,
            "tcp listener {0}: {1}, connection closed",
            listener.config().key(),
            u.message());
        inbound.close();
      }
      case Pick.Forward f -> {
        Call call = f.call();
        if (call != null) {
          inbound.closeFuture().addListener(x -> call.done());
          long idle = call.policy().timeouts().idleMillis();
          if (idle > 0) {
            // On the client side both directions show: its reads and its writes.
            ctx.pipeline().addFirst(IDLE, new IdleTimeout(idle, TimeUnit.MILLISECONDS));
          }
        }
        countReads(
            bytes -> {
              if (observed != null) {
                observed.fromClient(bytes);
              } else {
                readBeforeConnect += bytes;
              }
            });
        inbound
            .closeFuture()
            .addListener(
                x -> {
                  if (observed != null) {
                    observed.end();
                  }
                });
        connect(inbound, listener, f.service(), call, call == null ? f.target() : call.target());
      }
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
      boolean denied =
          l == null
              ? now.aclMode()
              : l.access().recheckL4(ctx.channel().remoteAddress(), endpoint) != null;
      if (denied) {
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
    }
    super.channelRead(ctx, msg);
  }

  /** Starts the metrics and access log of the connection, once, for the endpoint it ended on. */
  private void observe(CompiledListener listener, String service, Target target, Channel inbound) {
    observed =
        listener
            .metrics()
            .connection(
                "tcp", listener.config(), service, target.authority(), inbound.remoteAddress());
    if (readBeforeConnect > 0) {
      observed.fromClient((int) Math.min(Integer.MAX_VALUE, readBeforeConnect));
    }
  }

  private void connect(
      Channel inbound, CompiledListener listener, String service, Call call, Target target) {
    RelayHandler backendSide = new RelayHandler();
    long timeoutMillis =
        call == null
            ? connectTimeout.toMillis()
            : call.connectTimeoutMillis(connectTimeout.toMillis());
    endpoint = target.address().getAddress();
    Future<Channel> connected = viaTunnel(inbound, listener, target, backendSide);
    if (connected == null) {
      connected = direct(inbound, target, backendSide, timeoutMillis);
    }
    connected.addListener(
        (Future<Channel> done) -> {
          if (!done.isSuccess()) {
            Throwable c = done.cause();
            LOG.log(
                Level.DEBUG,
                "tcp listener {0}: cannot connect to {1} ({2}): {3}",
                listener.config().key(),
                target.authority(),
                service,
                c == null ? "failed" : c.getClass().getSimpleName() + ": " + c.getMessage());
            if (!inbound.isActive()) {
              return;
            }
            listener.metrics().connectError(service);
            long delay =
                call == null
                    ? -1
                    : call.retryAfter(Failure.CONNECT, true, Long.MAX_VALUE, System.nanoTime());
            if (delay < 0) {
              observe(listener, service, target, inbound);
              inbound.close();
              return;
            }
            listener.metrics().retry(service);
            inbound
                .eventLoop()
                .schedule(
                    () -> {
                      if (inbound.isActive()) {
                        connect(inbound, listener, service, call, call.target());
                      }
                    },
                    delay,
                    TimeUnit.NANOSECONDS);
            return;
          }
          Channel outbound = done.getNow();
          if (!inbound.isActive()) {
            outbound.close();
            return;
          }
          if (call != null) {
            call.connected(System.nanoTime());
          }
          observe(listener, service, target, inbound);
          backendSide.countReads(observed::toClient);
          backendSide.attach(inbound);
          attach(outbound);
        });
  }

  /** A TCP connection straight to the pod (same node, mTLS off, or no tunnel to be had). */
  private Future<Channel> direct(
      Channel inbound, Target target, RelayHandler backendSide, long timeoutMillis) {
    Bootstrap b = transport.relayBootstrap(inbound.eventLoop(), timeoutMillis).handler(backendSide);
    ChannelFuture cf = b.connect(target.address());
    Channel outbound = cf.channel();
    Promise<Channel> made = inbound.eventLoop().newPromise();
    cf.addListener(
        (ChannelFuture f) -> {
          if (f.isSuccess()) {
            if (target.proxyProtocol()) {
              // Before the relay attaches, so the client's bytes (a forged header included) can
              // only follow it, as payload.
              outbound.writeAndFlush(
                  ProxyHeader.v2(
                      outbound.alloc(), inbound.remoteAddress(), target.address(), null));
            }
            made.setSuccess(outbound);
          } else {
            made.setFailure(f.cause());
          }
        });
    // A client that goes away while connecting cancels the upstream connection.
    inbound
        .closeFuture()
        .addListener(
            x -> {
              if (!cf.isDone()) {
                outbound.close();
              }
            });
    return made;
  }

  /**
   * A CONNECT stream through the node-to-node tunnel when the pod is on another node (issue 14),
   * else null. In strict mode, or whenever the table names the destination's proxy, a tunnel that
   * cannot be had fails the connect: never plaintext instead.
   */
  private Future<Channel> viaTunnel(
      Channel inbound, CompiledListener listener, Target target, RelayHandler backendSide) {
    UpstreamRelay r = relay.get();
    if (r == null) {
      return null;
    }
    Future<Channel> f =
        r.connectTcp(
            target,
            inbound.remoteAddress() instanceof InetSocketAddress a ? a : null,
            listener.config().key(),
            inbound.eventLoop(),
            p -> p.addLast("tcp-relay", backendSide));
    if (f != null) {
      inbound
          .closeFuture()
          .addListener(
              x -> {
                if (!f.isDone()) {
                  f.addListener(
                      (Future<Channel> late) -> {
                        if (late.isSuccess()) {
                          late.getNow().close();
                        }
                      });
                }
              });
    }
    return f;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      LOG.log(Level.DEBUG, "tcp proxy port {0,number,#}: relay idle, closed", proxyPort);
      ctx.close();
      return;
    }
    if (evt instanceof ConfigApplied c) {
      recheck(ctx, c);
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  /**
   * ACL mode, a new config in force: the relay closes at once when its listener was removed or its
   * grant is gone, also while the client is silent (the backend may still be sending).
   */
  private void recheck(ChannelHandlerContext ctx, ConfigApplied c) {
    RoutingTable now = c.table();
    if (!now.aclMode() || !ctx.channel().isActive()) {
      return;
    }
    checked = now;
    CompiledListener l = now.tcpByProxyPort(proxyPort);
    String denied =
        l == null
            ? "listener removed"
            : l.access().recheckL4(ctx.channel().remoteAddress(), endpoint);
    if (denied != null) {
      c.revocations().revoked(Revocations.Kind.TCP, ctx.channel().remoteAddress(), denied);
      ctx.close();
    }
  }
}
