package io.nodemesh.proxy.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.nodemesh.config.Scheme;
import io.nodemesh.proxy.balance.Target;
import io.nodemesh.proxy.limits.Limits;
import io.nodemesh.proxy.transport.IdleTimeout;
import io.nodemesh.proxy.transport.Transport;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Upstream connections of one event loop, by scheme and endpoint. Only that event loop uses it, so
 * it needs no lock; a downstream connection borrows from the pool of its own loop, which keeps both
 * channels of an exchange on one thread.
 *
 * <p>Whatever the protocol to the backend, an exchange gets a channel whose pipeline ends in an
 * {@link UpstreamHandler} that reads and writes Netty HTTP/1.x objects: a keep-alive HTTP/1.1
 * connection borrowed from the idle list, or a new stream on a shared HTTP/2 connection ({@link
 * Http2Upstream}). {@code https} negotiates {@code h2} or {@code http/1.1} by ALPN and then behaves
 * as one or the other.
 */
final class UpstreamPool {
  static final String IDLE = "idle";
  static final String TLS = "tls";
  static final String CODEC = "http-client";
  static final String HANDLER = "upstream";

  private final HttpProxyContext context;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final int maxIdle;
  private final int connectTimeoutMillis;
  private final long idleNanos;
  private final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();
  private final Map<String, ArrayDeque<Http2Upstream>> shared = new HashMap<>();

  UpstreamPool(HttpProxyContext context, EventLoop loop) {
    this.context = context;
    this.loop = loop;
    Transport t = context.transport();
    this.maxIdle = context.settings().maxIdlePerEndpoint();
    this.connectTimeoutMillis =
        (int) Math.min(Integer.MAX_VALUE, context.settings().connectTimeout().toMillis());
    this.idleNanos = context.settings().idleTimeout().toNanos();
    this.bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(t.socketChannel())
            // Endpoints are IP addresses (Target), so there is nothing to resolve; this also skips
            // the resolver group's synchronized lookup on every connect.
            .disableResolver()
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, Transport.ALLOCATOR)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(IDLE, new IdleTimeout(idleNanos, TimeUnit.NANOSECONDS));
                  }
                });
  }

  private static final String[] PREFIXES = prefixes();

  /**
   * The pool key: the endpoint's authority for plain HTTP, the common case, so that no string is
   * built per request; {@code scheme://authority} for the others.
   */
  static String key(Target target, Scheme scheme) {
    return scheme == Scheme.HTTP
        ? target.authority()
        : PREFIXES[scheme.ordinal()] + target.authority();
  }

  private static String[] prefixes() {
    Scheme[] all = Scheme.values();
    String[] p = new String[all.length];
    for (Scheme s : all) {
      p[s.ordinal()] = s.wireName() + "://";
    }
    return p;
  }

  /**
   * A channel ready for one exchange with {@code target}: a pooled one when there is one (the
   * future is then already complete), else a new connection or a new HTTP/2 stream.
   */
  Future<Channel> acquire(Target target, Scheme scheme) {
    return acquire(target, scheme, connectTimeoutMillis);
  }

  /** As {@link #acquire(Target, Scheme)}, with a Service's connect timeout for a new connection. */
  Future<Channel> acquire(Target target, Scheme scheme, long connectTimeoutMillis) {
    String key = key(target, scheme);
    ArrayDeque<Http2Upstream> h2 = shared.get(key);
    if (h2 != null) {
      for (Http2Upstream c : h2) {
        if (c.usable()) {
          return c.openStream();
        }
      }
    }
    Channel pooled = pollIdle(key);
    if (pooled != null) {
      return loop.newSucceededFuture(pooled);
    }
    return switch (scheme) {
      case HTTP -> http1(connect(target, connectTimeoutMillis));
      case H2C -> {
        Http2Upstream c =
            new Http2Upstream(
                this,
                key,
                connect(target, connectTimeoutMillis),
                TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis));
        share(key, c);
        yield c.openStream();
      }
      case HTTPS -> tls(key, target, connectTimeoutMillis);
    };
  }

  private ChannelFuture connect(Target target, long timeoutMillis) {
    int t = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeoutMillis));
    ChannelFuture connect =
        t == connectTimeoutMillis
            ? bootstrap.connect(target.address())
            : bootstrap
                .clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, t)
                .connect(target.address());
    connect.addListener(
        (ChannelFuture f) -> {
          if (f.isSuccess()) {
            context.metrics().upstreamOpened(f.channel());
          }
        });
    return connect;
  }

  private Future<Channel> http1(ChannelFuture connect) {
    Promise<Channel> ready = loop.newPromise();
    connect.addListener(
        (ChannelFuture f) -> {
          if (f.isSuccess()) {
            addHttp1Handlers(f.channel().pipeline());
            ready.setSuccess(f.channel());
          } else {
            ready.setFailure(f.cause());
          }
        });
    return ready;
  }

  void addHttp1Handlers(ChannelPipeline p) {
    p.addLast(CODEC, new HttpClientCodec())
        .addLast(Limits.RESPONSE_GUARD, context.limits().responseGuard())
        .addLast(HANDLER, new UpstreamHandler());
  }

  /** The end of an HTTP/2 stream's pipeline: HTTP/1.x objects, then the exchange's handler. */
  static void addStreamHandlers(ChannelPipeline p) {
    p.addLast(CODEC, new Http2StreamFrameToHttpObjectCodec(false))
        .addLast(HANDLER, new UpstreamHandler());
  }

  /** TLS, then HTTP/2 or HTTP/1.1 as the backend chose by ALPN (RFC 7301). */
  private Future<Channel> tls(String key, Target target, long connectTimeoutMillis) {
    Promise<Channel> ready = loop.newPromise();
    ChannelFuture connect = connect(target, connectTimeoutMillis);
    connect.addListener(
        (ChannelFuture f) -> {
          if (!f.isSuccess()) {
            ready.setFailure(f.cause());
            return;
          }
          secure(f.channel(), key, target, connectTimeoutMillis, ready);
        });
    return ready;
  }

  /**
   * An exchange with {@code target} through the node-to-node tunnel when its pod is on another node
   * (issue 14), or null to dial it directly: plain HTTP and h2c as one tunnel stream per request;
   * {@code https} as a CONNECT stream (RFC 9113 §8.5) with the application's own TLS inside it, on
   * neither of which this pool keeps anything, because a tunnel stream carries the identity of one
   * caller. A failed future when only the tunnel may carry it and none can be had (never
   * plaintext).
   */
  Future<Channel> viaTunnel(Target target, Scheme scheme, InetAddress client, String listenerKey) {
    UpstreamRelay relay = context.relay();
    if (relay == null) {
      return null;
    }
    if (scheme != Scheme.HTTPS) {
      return relay.open(target, client, listenerKey, loop, UpstreamPool::addStreamHandlers);
    }
    Future<Channel> stream = relay.connect(target, client, listenerKey, loop, p -> {});
    if (stream == null) {
      return null;
    }
    Promise<Channel> ready = loop.newPromise();
    stream.addListener(
        (Future<Channel> f) -> {
          if (f.isSuccess()) {
            secure(f.getNow(), null, target, connectTimeoutMillis, ready);
          } else {
            ready.setFailure(f.cause());
          }
        });
    return ready;
  }

  /**
   * TLS to the pod on {@code ch}, then HTTP/2 or HTTP/1.1 as the backend chose by ALPN (RFC 7301).
   * With a {@code key} an HTTP/2 connection is shared in this pool; without (a tunnel's CONNECT
   * stream) it serves this one exchange and closes with its stream.
   */
  private void secure(
      Channel ch, String key, Target target, long connectTimeoutMillis, Promise<Channel> ready) {
    SslHandler ssl =
        context
            .upstreamTls()
            .newHandler(ch.alloc(), target.address().getHostString(), target.address().getPort());
    if (ch.pipeline().get(IDLE) != null) {
      ch.pipeline().addAfter(IDLE, TLS, ssl);
    } else {
      // A CONNECT stream: the TLS records travel as its DATA frames.
      ch.pipeline().addLast(TLS, ssl);
    }
    // The handshake needs reads; the channel reads on demand otherwise.
    ch.config().setAutoRead(true);
    ssl.handshakeFuture()
        .addListener(
            hs -> {
              if (!hs.isSuccess()) {
                ch.close();
                ready.setFailure(hs.cause());
                return;
              }
              if (ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
                Http2Upstream c =
                    new Http2Upstream(
                        this,
                        key,
                        ch.newSucceededFuture(),
                        TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis));
                if (key != null) {
                  share(key, c);
                }
                c.openStream()
                    .addListener(
                        s -> {
                          complete(ready, s);
                          if (key == null && s.isSuccess()) {
                            ((Channel) s.getNow()).closeFuture().addListener(x -> ch.close());
                          }
                        });
              } else {
                ch.config().setAutoRead(false);
                addHttp1Handlers(ch.pipeline());
                ready.setSuccess(ch);
              }
            });
  }

  @SuppressWarnings("unchecked")
  private static void complete(Promise<Channel> p, Future<?> f) {
    if (f.isSuccess()) {
      p.setSuccess((Channel) f.getNow());
    } else {
      p.setFailure(f.cause());
    }
  }

  private Channel pollIdle(String key) {
    ArrayDeque<Channel> q = idle.get(key);
    if (q == null) {
      return null;
    }
    Channel ch;
    while ((ch = q.pollLast()) != null) {
      if (ch.isActive()) {
        return ch;
      }
    }
    return null;
  }

  /**
   * Gives a channel back after an exchange. A reusable HTTP/1.1 connection goes to the idle list
   * (or is closed when the list is full); an HTTP/2 stream is closed, which resets it only when it
   * has not ended both ways.
   */
  void release(String key, Channel ch, boolean reusable) {
    if (Http2Upstream.isStream(ch) || !reusable || !ch.isActive()) {
      ch.close();
      return;
    }
    ArrayDeque<Channel> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
    if (q.size() >= maxIdle) {
      ch.close();
      return;
    }
    ch.pipeline().get(UpstreamHandler.class).idle(this, key);
    q.addLast(ch);
    // A pending read notices when the backend closes an idle connection, before anyone borrows it.
    ch.read();
  }

  void remove(String key, Channel ch) {
    ArrayDeque<Channel> q = idle.get(key);
    if (q != null) {
      q.remove(ch);
      if (q.isEmpty()) {
        idle.remove(key);
      }
    }
  }

  /** An HTTP/2 connection has closed or been told to go away: new exchanges open another. */
  void retire(String key, Http2Upstream connection) {
    ArrayDeque<Http2Upstream> q = shared.get(key);
    if (q != null) {
      q.remove(connection);
      if (q.isEmpty()) {
        shared.remove(key);
      }
    }
  }

  private void share(String key, Http2Upstream connection) {
    shared.computeIfAbsent(key, k -> new ArrayDeque<>()).add(connection);
  }

  <T> Promise<T> newPromise() {
    return loop.newPromise();
  }

  /** Idle connections to one endpoint (for tests and diagnostics). */
  int idleCount(String key) {
    ArrayDeque<Channel> q = idle.get(key);
    return q == null ? 0 : q.size();
  }
}
