package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.Protocol;
import io.nodemesh.config.identity.SpiffeId;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.proxy.identity.CertificateStore;
import io.nodemesh.proxy.identity.IdentityTunnelCredentials;
import io.nodemesh.proxy.identity.TestCa;
import io.nodemesh.proxy.identity.WorkloadCertificate;
import io.nodemesh.testkit.HttpBackend;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Certificates rotate under load (issue 14: "rotate at half their life without dropping a
 * connection"): both proxies hold their certificates in a {@link CertificateStore} on a clock the
 * test moves past half life while a client keeps requests flowing across the tunnel. No request may
 * fail, and new tunnel connections must carry the new certificates.
 */
class TunnelRotationIT {
  private static final Duration LIFETIME = Duration.ofHours(2);
  private static final SpiffeId WEB = SpiffeId.of(TwoNodes.TD, "shop/web");
  private static final SpiffeId DB = SpiffeId.of(TwoNodes.TD, "shop/db");

  @RegisterExtension private final HttpBackend db = HttpBackend.start("db");
  private final MovedClock clock = new MovedClock();
  private final TestCa ca;
  private final CertificateStore storeA;
  private final CertificateStore storeB;
  private final TwoNodes nodes;

  TunnelRotationIT() throws Exception {
    ca = TestCa.create(TwoNodes.TD);
    storeA = store("shop/web");
    storeB = store("shop/db");
    nodes =
        new TwoNodes(
            new IdentityTunnelCredentials(storeA), new IdentityTunnelCredentials(storeB), clock);
  }

  private CertificateStore store(String account) {
    CertificateStore s = new CertificateStore(ca.source(clock, LIFETIME), clock);
    s.want(Set.of(account));
    s.refresh();
    return s;
  }

  @AfterEach
  void tearDown() {
    nodes.close();
  }

  /** The system clock moved by an offset the test sets: the stores' and both tunnels' clock. */
  static final class MovedClock extends Clock {
    final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(offset.get());
    }
  }

  @Test
  void certificatesRotateAtHalfLifeWhileRequestsFlowAndNoneFails() throws Exception {
    int port = TwoNodes.freePort(TwoNodes.A);
    nodes.apply(MtlsMode.STRICT, TwoNodes.db(Protocol.HTTP, port, db.port()));
    HttpClient client =
        HttpClient.newBuilder()
            .localAddress(InetAddress.getByName("127.0.0.21"))
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
    HttpRequest get =
        HttpRequest.newBuilder(URI.create("http://" + TwoNodes.A + ":" + port + "/rotate"))
            .timeout(Duration.ofSeconds(30))
            .build();
    AtomicLong ok = new AtomicLong();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    long t0 = System.nanoTime();
    ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    for (int w = 0; w < 16; w++) {
      workers.execute(
          () -> {
            while (running.get()) {
              try {
                HttpResponse<String> r = client.send(get, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                  ok.incrementAndGet();
                } else {
                  failures.add(r.statusCode() + " " + r.body());
                }
              } catch (Exception e) {
                failures.add(e.toString());
              }
            }
          });
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> ok.get() >= 2000);
    BigInteger webBefore = serial(storeA, WEB);
    BigInteger dbBefore = serial(storeB, DB);
    double clientHandshakesBefore = handshakes(nodes.a, TwoNodes.A, "client");
    double serverHandshakesBefore = handshakes(nodes.b, TwoNodes.B, "server");
    long okBefore = ok.get();

    // Past half life: both stores renew, with new keys, while requests are in flight.
    clock.offset.set(LIFETIME.dividedBy(2).plusMinutes(1));
    storeA.refresh();
    storeB.refresh();
    assertThat(serial(storeA, WEB)).isNotEqualTo(webBefore);
    assertThat(serial(storeB, DB)).isNotEqualTo(dbBefore);

    await().atMost(Duration.ofSeconds(60)).until(() -> ok.get() >= okBefore + 3000);
    running.set(false);
    workers.shutdown();
    assertThat(workers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    double seconds = (System.nanoTime() - t0) / 1e9;

    assertThat(failures).as("failed requests").isEmpty();
    // The caller opened a new connection for its new certificate, and the destination accepted it.
    assertThat(handshakes(nodes.a, TwoNodes.A, "client")).isGreaterThan(clientHandshakesBefore);
    assertThat(handshakes(nodes.b, TwoNodes.B, "server")).isGreaterThan(serverHandshakesBefore);
    // A new connection to node b's tunnel is served the renewed certificate.
    assertThat(servedSerial()).isEqualTo(serial(storeB, DB)).isNotEqualTo(dbBefore);
    System.out.printf(
        "tunnel rotation: %d requests in %.1f s (%.0f req/s) across the tunnel, 0 failed,"
            + " certificates renewed after %d%n",
        ok.get(), seconds, ok.get() / seconds, okBefore);
  }

  private static BigInteger serial(CertificateStore store, SpiffeId id) {
    return store.certificateFor(id).orElseThrow().leaf().getSerialNumber();
  }

  private static double handshakes(io.nodemesh.proxy.NodeProxy proxy, String host, String side)
      throws Exception {
    return TwoNodes.metric(
        proxy, host, "nodemesh_tunnel_handshakes_total", "side=\"" + side + "\"", "result=\"ok\"");
  }

  /** A fresh TLS 1.3 handshake to node b's tunnel port asking for shop/db: the leaf's serial. */
  private BigInteger servedSerial() throws Exception {
    WorkloadCertificate me = ca.issue(WEB, Duration.ofHours(4));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("me", me.key(), new char[0], me.chainArray());
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
    kmf.init(ks, new char[0]);
    AtomicReference<X509Certificate> served = new AtomicReference<>();
    X509TrustManager record =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {
            served.set(chain[0]);
          }

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    SSLContext tls = SSLContext.getInstance("TLSv1.3");
    tls.init(kmf.getKeyManagers(), new TrustManager[] {record}, null);
    try (SSLSocket s =
        (SSLSocket) tls.getSocketFactory().createSocket(TwoNodes.B, nodes.tunnelPortB())) {
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(Spiffe.sni("shop/db"))));
      p.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(p);
      s.setSoTimeout(30_000);
      s.startHandshake();
    }
    return served.get().getSerialNumber();
  }
}
