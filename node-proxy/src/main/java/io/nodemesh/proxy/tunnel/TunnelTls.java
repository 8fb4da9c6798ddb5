package io.nodemesh.proxy.tunnel;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.internal.tcnative.SSL;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * TLS contexts of the tunnel, made once per certificate and cached: a server context per local
 * account (chosen by SNI), a client context per source account. {@link #warm} makes them when a
 * certificate arrives, so that the first connection of a new tunnel does not pay for them.
 *
 * <p>TLS 1.3 only (RFC 8446), ALPN {@code h2} only, on {@link #PROVIDER}: BoringSSL
 * (netty-tcnative) when its native library loads, else the JDK's TLS (logged once).
 *
 * <p>ALPN: BoringSSL cannot fail a handshake that agreed on no protocol (Netty refuses {@code
 * FATAL_ALERT} with {@code OPENSSL} and throws while building the context), so both sides accept
 * the handshake and {@link #h2} closes any connection that did not agree on {@code h2}, before a
 * byte of HTTP/2 is read or written.
 *
 * <p>Resumption: the client makes its engines without a peer host and port, so neither provider
 * ever offers a cached session; the server issues no session tickets (BoringSSL: {@code
 * SSL_OP_NO_TICKET} set again on each engine, where Netty clears it for TLS 1.3) and keeps no
 * session cache ({@link #noResumption}). Every connection does a full handshake that checks the
 * peer's certificate as it is now, so a connection cannot outlive its certificates through a
 * resumed session.
 */
final class TunnelTls {
  private static final System.Logger LOG = System.getLogger(TunnelTls.class.getName());

  // NO_ADVERTISE and ACCEPT are the behaviours both providers support; h2() enforces "h2 only".
  private static final ApplicationProtocolConfig H2_ONLY =
      new ApplicationProtocolConfig(
          ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
          ApplicationProtocolNames.HTTP_2);

  /**
   * BoringSSL when netty-tcnative's library loads (about 3x cheaper mutual handshakes, 1.4x bulk:
   * docs/benchmarks.md, "Tunnel TLS provider"), else the JDK's. {@code -Dnodemesh.tunnel.tls=jdk}
   * forces the JDK's, for comparisons.
   */
  static final SslProvider PROVIDER = chooseProvider();

  private static SslProvider chooseProvider() {
    if ("jdk".equalsIgnoreCase(System.getProperty("nodemesh.tunnel.tls", ""))) {
      LOG.log(Level.INFO, "tunnel TLS: the JDK's (forced by -Dnodemesh.tunnel.tls=jdk)");
      return SslProvider.JDK;
    }
    if (OpenSsl.isAvailable()) {
      LOG.log(Level.INFO, "tunnel TLS: BoringSSL ({0})", OpenSsl.versionString());
      return SslProvider.OPENSSL;
    }
    Throwable why = OpenSsl.unavailabilityCause();
    LOG.log(
        Level.WARNING,
        "tunnel TLS: BoringSSL did not load ({0}); using the JDK''s TLS, about 3x the CPU per"
            + " handshake",
        why == null ? "unknown cause" : why.toString());
    return SslProvider.JDK;
  }

  /** The provider's name for logs and the {@code nodemesh_tunnel_tls_provider} gauge. */
  static String providerName() {
    return PROVIDER == SslProvider.JDK ? "jdk" : "boringssl";
  }

  /**
   * Whether the handshake of {@code ssl} agreed on {@code h2}; the caller closes the connection
   * when not (RFC 7301 §3.2 lets a server go on without a protocol; the tunnel does not).
   */
  static boolean h2(SslHandler ssl) {
    return ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol());
  }

  private final TunnelCredentials credentials;
  private final Clock clock;
  private final Map<Key, SslContext> contexts = new ConcurrentHashMap<>();

  private record Key(String local, BigInteger serial, String peer) {}

  TunnelTls(TunnelCredentials credentials, Clock clock) {
    this.credentials = credentials;
    this.clock = clock;
  }

  TunnelCredentials credentials() {
    return credentials;
  }

  Clock clock() {
    return clock;
  }

  /** The server context presenting {@code account}'s certificate, or empty when none is held. */
  Optional<SslContext> server(String account) {
    return credentials
        .identity(account)
        .map(
            id ->
                contexts.computeIfAbsent(
                    new Key(account, id.leaf().getSerialNumber(), null),
                    k ->
                        noResumption(
                            SslContextBuilder.forServer(id.key(), id.chain())
                                .clientAuth(ClientAuth.REQUIRE)
                                .trustManager(
                                    new SpiffeTrustManager(
                                        credentials::roots, credentials.trustDomain(), null, clock))
                                // Tickets and cached sessions would let a client resume past the
                                // life of the certificates it was checked with (Netty sets
                                // SSL_OP_NO_TICKET on BoringSSL; on the JDK's the one-second
                                // timeout bounds any resumption).
                                .sessionCacheSize(1)
                                .sessionTimeout(1))));
  }

  /**
   * The server context built from {@code b}, which never resumes a session, so every connection
   * checks the client's certificate as it is now. On BoringSSL two things are turned off: the
   * session cache, and TLS 1.3 session tickets on each engine. Netty clears {@code
   * SSL_OP_NO_TICKET} on every TLS 1.3 engine unless {@code
   * jdk.tls.server.enableSessionTicketExtension} is false, so the destination issued tickets, and a
   * client that kept them resumed about one connection in seven (TwoProxiesIT
   * theDestinationNeverResumesASession, 6 of 40). A resumed TLS 1.3 session carries no client
   * certificate, so it could outlive the certificate it was first checked with (RFC 8446 section
   * 2.2).
   */
  private static SslContext noResumption(SslContextBuilder b) {
    SslContext c = build(b);
    if (!(c.sessionContext() instanceof OpenSslSessionContext s)) {
      return c;
    }
    s.setSessionCacheEnabled(false);
    return new DelegatingSslContext(c) {
      @Override
      protected void initEngine(SSLEngine engine) {
        if (engine instanceof ReferenceCountedOpenSslEngine e) {
          SSL.setOptions(e.sslPointer(), SSL.SSL_OP_NO_TICKET);
        }
      }
    };
  }

  /**
   * The client context presenting {@code source}'s certificate. It checks the destination's chain
   * and trust domain; which account the destination must be is checked by {@link TunnelConnection}
   * right after the handshake, before any byte of HTTP/2, so that one context per certificate
   * serves every destination and can be made before the first connection.
   */
  Optional<SslContext> client(String source) {
    return credentials
        .identity(source)
        .map(
            id ->
                contexts.computeIfAbsent(
                    new Key(source, id.leaf().getSerialNumber(), ""),
                    k ->
                        build(
                            SslContextBuilder.forClient()
                                .keyManager(id.key(), id.chain())
                                .trustManager(
                                    new SpiffeTrustManager(
                                        credentials::roots,
                                        credentials.trustDomain(),
                                        null,
                                        clock)))));
  }

  /**
   * Makes both contexts of each of {@code locals}' certificates held now, unless made already: when
   * a certificate arrives or rotates, not on the first connection that needs it. Off the event
   * loops (a context takes milliseconds).
   */
  void warm(Collection<String> locals) {
    for (String local : locals) {
      server(local);
      client(local);
    }
    // Contexts of certificates no longer held: the next rotation would otherwise grow the map.
    contexts.keySet().removeIf(k -> !Objects.equals(k.serial(), serial(k.local())));
  }

  /** The serial of {@code account}'s certificate held now, or null when none. */
  BigInteger serial(String account) {
    return credentials.identity(account).map(id -> id.leaf().getSerialNumber()).orElse(null);
  }

  /** The remaining life of {@code account}'s certificate in millis, or 0 when none. */
  long remainingMillis(String account) {
    return credentials
        .identity(account)
        .map(id -> Math.max(0, id.notAfter().toEpochMilli() - clock.millis()))
        .orElse(0L);
  }

  private static SslContext build(SslContextBuilder b) {
    try {
      return b.sslProvider(PROVIDER)
          .protocols("TLSv1.3")
          .applicationProtocolConfig(H2_ONLY)
          .build();
    } catch (SSLException e) {
      throw new UncheckedIOException("tunnel TLS context: " + e.getMessage(), e);
    }
  }
}
