package io.nodemesh.proxy.tunnel;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.nodemesh.proxy.balance.Target;
import io.nodemesh.proxy.transport.Transport;
import io.nodemesh.proxy.upstream.UpstreamRelay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The caller side: sends an exchange whose pod is on another node to that node's proxy, on a pooled
 * tunnel connection of the exchange's own event loop (no locks, as the upstream pool).
 */
public final class TunnelClient implements UpstreamRelay {
  private final Transport transport;
  private final TunnelSettings settings;
  private final TunnelTls tls;
  private final Supplier<TunnelTable> table;
  private final TunnelMetrics metrics;
  private final Map<EventLoop, LoopPool> pools = new ConcurrentHashMap<>();

  /** Connections are keyed so: one TLS connection carries one client certificate. */
  record Key(String source, String node, String destination) {}

  TunnelClient(
      Transport transport,
      TunnelSettings settings,
      TunnelTls tls,
      Supplier<TunnelTable> table,
      TunnelMetrics metrics) {
    this.transport = transport;
    this.settings = settings;
    this.tls = tls;
    this.table = table;
    this.metrics = metrics;
  }

  @Override
  public boolean carries(Target target, InetAddress source) {
    return table.get().path(target.address().getAddress().getHostAddress(), source)
        instanceof TunnelTable.Path.Via;
  }

  @Override
  public Future<Channel> open(
      Target target,
      InetAddress source,
      String listenerKey,
      EventLoop loop,
      Consumer<ChannelPipeline> finish) {
    return stream(target, source, listenerKey, loop, finish);
  }

  @Override
  public Future<Channel> connect(
      Target target,
      InetAddress source,
      String listenerKey,
      EventLoop loop,
      Consumer<ChannelPipeline> finish) {
    return connect(target, source, null, listenerKey, loop, finish);
  }

  @Override
  public Future<Channel> connectTcp(
      Target target,
      InetSocketAddress client,
      String listenerKey,
      EventLoop loop,
      Consumer<ChannelPipeline> finish) {
    InetAddress source = client == null ? null : client.getAddress();
    // Only for a port that asked for the header: the destination needs the client's address then.
    String tell =
        target.proxyProtocol() && source != null
            ? NetUtil.toSocketAddressString(source.getHostAddress(), client.getPort())
            : null;
    return connect(target, source, tell, listenerKey, loop, finish);
  }

  private Future<Channel> connect(
      Target target,
      InetAddress source,
      String client,
      String listenerKey,
      EventLoop loop,
      Consumer<ChannelPipeline> finish) {
    Promise<Channel> established = loop.newPromise();
    Future<Channel> opened =
        stream(
            target,
            source,
            listenerKey,
            loop,
            p -> {
              p.addLast(ConnectStream.NAME, new ConnectStream(established));
              finish.accept(p);
            });
    if (opened == null) {
      return null;
    }
    opened.addListener(
        (Future<Channel> f) -> {
          if (f.isSuccess()) {
            ConnectStream.start(f.getNow(), target.authority(), client);
          } else {
            established.tryFailure(f.cause());
          }
        });
    return established;
  }

  /**
   * A new stream to {@code target} on a pooled connection (a new one when none is usable), a failed
   * future (strict mode and no tunnel, or no certificate for the source), or null (straight to the
   * pod).
   */
  private Future<Channel> stream(
      Target target,
      InetAddress source,
      String listenerKey,
      EventLoop loop,
      Consumer<ChannelPipeline> finish) {
    TunnelTable.Path path =
        table.get().path(target.address().getAddress().getHostAddress(), source);
    return switch (path) {
      case TunnelTable.Path.Direct d -> null;
      case TunnelTable.Path.Refuse r -> loop.newFailedFuture(new IOException(r.reason()));
      case TunnelTable.Path.Via v -> {
        Key key = new Key(v.source(), v.node(), v.destination());
        LoopPool pool = pools.computeIfAbsent(loop, LoopPool::new);
        TunnelConnection c = pool.usable(key);
        java.math.BigInteger serial = tls.serial(v.source());
        while (c != null && !c.presents(serial)) {
          // The source certificate rotated (renewed at half life): drain this one, open anew.
          c.retire();
          c = pool.usable(key);
        }
        if (c == null) {
          SslContext ssl = tls.client(v.source()).orElse(null);
          if (ssl == null) {
            yield loop.newFailedFuture(TunnelConnection.noIdentity(v.source()));
          }
          c =
              new TunnelConnection(
                  key, pool, loop, transport, ssl, settings, tls, metrics, v.proxy());
          if (!c.retired()) {
            pool.add(key, c);
          }
        }
        yield c.openStream(target.authority(), listenerKey, finish);
      }
    };
  }

  /** Connections of one event loop; only that loop touches it. */
  static final class LoopPool {
    private final Map<Key, ArrayDeque<TunnelConnection>> byKey = new HashMap<>();

    LoopPool(EventLoop loop) {}

    TunnelConnection usable(Key key) {
      ArrayDeque<TunnelConnection> q = byKey.get(key);
      if (q != null) {
        for (TunnelConnection c : q) {
          if (c.usable()) {
            return c;
          }
        }
      }
      return null;
    }

    void add(Key key, TunnelConnection c) {
      byKey.computeIfAbsent(key, k -> new ArrayDeque<>()).add(c);
    }

    void retire(Key key, TunnelConnection c) {
      ArrayDeque<TunnelConnection> q = byKey.get(key);
      if (q != null) {
        q.remove(c);
        if (q.isEmpty()) {
          byKey.remove(key);
        }
      }
    }

    int connections() {
      int n = 0;
      for (ArrayDeque<TunnelConnection> q : byKey.values()) {
        n += q.size();
      }
      return n;
    }
  }
}
