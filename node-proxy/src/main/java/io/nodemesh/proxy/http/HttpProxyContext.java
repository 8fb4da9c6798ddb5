package io.nodemesh.proxy.http;

import io.netty.channel.EventLoop;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.transport.Transport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** What every HTTP proxy connection of one node proxy shares. */
public final class HttpProxyContext {
  private final Transport transport;
  private final ProxyMetrics metrics;
  private final HttpProxySettings settings;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();

  public HttpProxyContext(Transport transport, ProxyMetrics metrics, HttpProxySettings settings) {
    this.transport = transport;
    this.metrics = metrics;
    this.settings = settings;
  }

  public Transport transport() {
    return transport;
  }

  public ProxyMetrics metrics() {
    return metrics;
  }

  public HttpProxySettings settings() {
    return settings;
  }

  /** Requests between request head and the end of their response. */
  public int inFlight() {
    return inFlight.get();
  }

  AtomicInteger inFlightCounter() {
    return inFlight;
  }

  /** The upstream pool of an event loop; only that loop ever touches it. */
  UpstreamPool pool(EventLoop loop) {
    UpstreamPool p = pools.get(loop);
    return p != null ? p : pools.computeIfAbsent(loop, l -> new UpstreamPool(this, l));
  }
}
