package io.nodemesh.proxy.tunnel;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.security.cert.CertificateException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * The tunnel's meters (docs/metrics.md): connections open, handshakes and their failures by side
 * and a bounded reason, relay requests refused at the destination by a bounded reason.
 */
public final class TunnelMetrics {
  private final MeterRegistry registry;
  private final AtomicInteger open = new AtomicInteger();
  private final PodPools podPools;

  public TunnelMetrics(MeterRegistry registry) {
    this(registry, PodPoolSettings.DEFAULTS);
  }

  /**
   * @param podPool the settings of this proxy's destination pod pools, whose meters register here
   */
  public TunnelMetrics(MeterRegistry registry, PodPoolSettings podPool) {
    this.registry = registry;
    this.podPools = new PodPools(podPool, registry);
    Gauge.builder("nodemesh_tunnel_connections", open, AtomicInteger::get)
        .description("Tunnel connections open, both sides")
        .register(registry);
    Gauge.builder("nodemesh_tunnel_tls_provider", () -> 1)
        .description("The tunnel's TLS provider: boringssl, or jdk when BoringSSL did not load")
        .tag("provider", TunnelTls.providerName())
        .register(registry);
  }

  /**
   * This proxy's destination pod pools. They travel with its meters because these reach every
   * {@link DestinationStream} of the proxy already.
   */
  PodPools podPools() {
    return podPools;
  }

  void connectionOpened(Channel ch) {
    open.incrementAndGet();
    ch.closeFuture().addListener(f -> open.decrementAndGet());
  }

  void handshake(String side) {
    counter("nodemesh_tunnel_handshakes_total", "side", side, "result", "ok").increment();
  }

  void handshakeFailed(String side, Throwable cause) {
    counter("nodemesh_tunnel_handshakes_total", "side", side, "result", reason(cause)).increment();
  }

  /**
   * A relay request the destination refused: {@code target} (open-relay rules) or {@code access}.
   */
  void refused(String reason) {
    counter("nodemesh_tunnel_refused_total", "reason", reason, null, null).increment();
  }

  /**
   * A stream the destination admitted and relays to a local pod: {@code tcp} (a CONNECT stream) or
   * {@code http} (one request).
   */
  void relayed(String kind) {
    counter("nodemesh_tunnel_streams_total", "kind", kind, null, null).increment();
  }

  private static String reason(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof CertificateException) {
        return "certificate";
      }
    }
    return cause instanceof SSLException
            || (cause != null && cause.getCause() instanceof SSLException)
        ? "tls"
        : "other";
  }

  private Counter counter(String name, String k1, String v1, String k2, String v2) {
    Counter.Builder b =
        Counter.builder(name)
            .description(
                switch (name) {
                  case "nodemesh_tunnel_refused_total" ->
                      "Relay requests the destination refused, by reason";
                  case "nodemesh_tunnel_streams_total" ->
                      "Tunnel streams the destination relayed to a local pod, by kind";
                  default -> "Tunnel TLS handshakes by side and result";
                });
    b.tag(k1, v1);
    if (k2 != null) {
      b.tag(k2, v2);
    }
    return b.register(registry);
  }
}
