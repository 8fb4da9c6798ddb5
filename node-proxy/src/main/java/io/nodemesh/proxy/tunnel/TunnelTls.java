package io.nodemesh.proxy.tunnel;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * TLS contexts of the tunnel, made once per certificate and cached: a server context per local
 * account (chosen by SNI), a client context per (source account, destination account).
 *
 * <p>TLS 1.3 only (RFC 8446), ALPN {@code h2} only, on {@link #PROVIDER}. Resumption: the client
 * makes its engines without a peer host and port, so neither provider ever offers a cached session,
 * and every connection does a full handshake that checks the peer's certificate as it is now; a
 * connection cannot outlive its certificates through a resumed session.
 */
final class TunnelTls {
  private static final ApplicationProtocolConfig H2_ONLY =
      new ApplicationProtocolConfig(
          ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.FATAL_ALERT,
          ApplicationProtocolNames.HTTP_2);

  /**
   * The JDK's provider. BoringSSL (netty-tcnative) measured about 3x cheaper per mutual handshake
   * and 1.4x faster on bulk records (docs/benchmarks.md, "Tunnel TLS provider"), ; a trial run of
   * the tunnel tests with it did not finish on the loaded build machine and was not investigated,
   * so the switch (this constant plus the runtime dependency) waits for a clean run.
   */
  static final SslProvider PROVIDER = SslProvider.JDK;

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
                        build(
                            SslContextBuilder.forServer(id.key(), id.chain())
                                .clientAuth(ClientAuth.REQUIRE)
                                .trustManager(
                                    new SpiffeTrustManager(
                                        credentials.roots(),
                                        credentials.trustDomain(),
                                        null,
                                        clock))
                                // Tickets and cached sessions would let a client resume past the
                                // life of the certificates it was checked with.
                                .sessionCacheSize(1)
                                .sessionTimeout(1))));
  }

  /**
   * The client context presenting {@code source}'s certificate and expecting {@code destination}.
   */
  Optional<SslContext> client(String source, String destination) {
    return credentials
        .identity(source)
        .map(
            id ->
                contexts.computeIfAbsent(
                    new Key(source, id.leaf().getSerialNumber(), destination),
                    k ->
                        build(
                            SslContextBuilder.forClient()
                                .keyManager(id.key(), id.chain())
                                .trustManager(
                                    new SpiffeTrustManager(
                                        credentials.roots(),
                                        credentials.trustDomain(),
                                        destination,
                                        clock)))));
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
