package io.nodemesh.proxy.upstream;

import io.netty.channel.EventLoop;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.limits.Limits;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.transport.Transport;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/** What every HTTP proxy connection of one node proxy shares. */
public final class HttpProxyContext {
  private final Transport transport;
  private final ProxyMetrics metrics;
  private final HttpProxySettings settings;
  private final Limits limits;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();
  private volatile SslContext upstreamTls;
  private volatile UpstreamRelay relay;

  public HttpProxyContext(Transport transport, ProxyMetrics metrics, HttpProxySettings settings) {
    this(transport, metrics, settings, new Limits(LimitSettings.defaults(), metrics.registry()));
  }

  public HttpProxyContext(
      Transport transport, ProxyMetrics metrics, HttpProxySettings settings, Limits limits) {
    this.transport = transport;
    this.metrics = metrics;
    this.settings = settings;
    this.limits = limits;
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

  /** Connection, request and upstream limits, and the count of refusals. */
  public Limits limits() {
    return limits;
  }

  /** Requests between request head and the end of their response. */
  public int inFlight() {
    return inFlight.get();
  }

  AtomicInteger inFlightCounter() {
    return inFlight;
  }

  /** Sets the node-to-node tunnel that exchanges ask before they dial a pod (issue 14). */
  public void relay(UpstreamRelay value) {
    relay = value;
  }

  UpstreamRelay relay() {
    return relay;
  }

  /** The upstream pool of an event loop; only that loop ever touches it. */
  UpstreamPool pool(EventLoop loop) {
    UpstreamPool p = pools.get(loop);
    return p != null ? p : pools.computeIfAbsent(loop, l -> new UpstreamPool(this, l));
  }

  /**
   * TLS to {@code https} backends, made on first use: ALPN offers {@code h2} then {@code http/1.1},
   * and the certificate chain is checked against the JDK's default trust store (the {@code
   * javax.net.ssl.trustStore} system property, else the JDK's {@code cacerts}). The host name is
   * not checked: the proxy dials pod IPs, which certificates rarely name.
   */
  SslContext upstreamTls() {
    SslContext c = upstreamTls;
    if (c == null) {
      synchronized (this) {
        c = upstreamTls;
        if (c == null) {
          try {
            c =
                SslContextBuilder.forClient()
                    .endpointIdentificationAlgorithm(null)
                    .applicationProtocolConfig(
                        new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2,
                            ApplicationProtocolNames.HTTP_1_1))
                    .build();
          } catch (SSLException e) {
            throw new UncheckedIOException("upstream TLS context: " + e.getMessage(), e);
          }
          upstreamTls = c;
        }
      }
    }
    return c;
  }
}
