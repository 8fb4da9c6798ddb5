package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.tunnel.TunnelCa;
import io.nodemesh.proxy.tunnel.TunnelSettings;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.TcpEchoBackend;
import io.nodemesh.testkit.UdpEchoBackend;
import io.nodemesh.testkit.Wire;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every meter a real node proxy exports is in docs/metrics.md (its "Node proxy" section), and every
 * proxy meter documented there is exported once the feature it counts has run. The proxy serves an
 * HTTP, a TCP and a UDP listener and runs its tunnel; the names of its /metrics are compared with
 * the documented ones, each without the suffixes the exposition adds ({@code _total} of a counter,
 * {@code _bucket}, {@code _count}, {@code _sum} and {@code _max} of a histogram).
 *
 * <p>No timing is asserted: meters that appear when a request or datagram ends are awaited.
 */
class MetricsDocsIT {
  private static final Path DOCS = Path.of("..", "docs", "metrics.md");

  /**
   * Documented proxy meters this test's traffic does not make, each with where it is proved: they
   * appear only with the feature (a gRPC answer, a rate limit, a breaker, a tunnel peer, a CA).
   */
  private static final Set<String> NOT_EXERCISED =
      firstWords(
          """
          nodemesh_grpc_responses                   a gRPC answer: GrpcIT
          nodemesh_rate_limited                     a Service's rate limit: ResilienceIT
          nodemesh_circuit_breaker_open             a circuit breaker policy: ResilienceIT
          nodemesh_ejected_endpoints                outlier detection: ResilienceIT
          nodemesh_split_backend_unavailable        a TrafficSplit: SplitSemanticsIT
          nodemesh_access_denied                    ACL mode: DeniedCallerMetricsIT
          nodemesh_route_requests                   a Gateway API route rule: RouteRulesIT
          nodemesh_route_request_duration_seconds   a route rule: RouteRulesIT
          nodemesh_route_mirror_requests            a RequestMirror: MirrorIT
          nodemesh_tunnel_handshakes                a tunnel peer: DestinationRelayIT
          nodemesh_tunnel_refused                   a tunnel peer: DestinationRelayIT
          nodemesh_tunnel_streams                   a tunnel peer: CertificateClockBedIT
          nodemesh_proxy_certificate_expiry_seconds --ca-token-file: CertificateStoreTest
          nodemesh_proxy_certificate_requests       --ca-token-file: CertificateStoreTest
          """);

  @RegisterExtension private final HttpBackend web = HttpBackend.start("v1");
  @RegisterExtension private final Closing closing = new Closing();

  @Test
  void theProxysMetersAndTheDocumentedOnesAreTheSame() throws Exception {
    Set<String> documented = documented();
    NodeProxy proxy = closing.add(Configs.udpIdleProxy());
    TunnelCa ca = TunnelCa.create("docs.test");
    proxy.startTunnel(
        TunnelSettings.defaults(0),
        ca.credentials(ca.issue("shop/web", Duration.ofHours(1))),
        Clock.systemUTC());
    try (TcpEchoBackend tcp = new TcpEchoBackend("a");
        UdpEchoBackend udp = new UdpEchoBackend("a")) {
      int http = freePort();
      int db = freePort();
      int dns = UdpProxyIT.freeUdpPort();
      proxy.apply(
          config(
              1,
              MeshConfigs.Listener.SHOP_WEB.on(http, RouteConfig.direct(web.backend("web", 1))),
              MeshConfigs.Listener.DB.on(db, RouteConfig.direct(tcp.backend("db", 1))),
              MeshConfigs.Listener.DNS.on(dns, RouteConfig.direct(udp.backend("dns", 1)))));
      traffic(http, db, dns);

      // Meters appear as requests, connections and datagrams end: scrape until all are there.
      Set<String> expected = new TreeSet<>(documented);
      expected.removeAll(NOT_EXERCISED);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () ->
                  assertThat(minus(expected, exported(Scrape.admin(proxy, "/metrics"))))
                      .as("documented in %s, not exported after this test's traffic", DOCS)
                      .isEmpty());
      assertThat(minus(exported(Scrape.admin(proxy, "/metrics")), documented))
          .as("exported by the proxy, missing from the Node proxy section of %s", DOCS)
          .isEmpty();
    }
  }

  /** Every entry of {@link #NOT_EXERCISED} is a documented meter: the list does not go stale. */
  @Test
  void everyMeterLeftOutIsDocumented() throws IOException {
    assertThat(documented()).containsAll(NOT_EXERCISED);
  }

  private static Set<String> firstWords(String lines) {
    Set<String> words = new TreeSet<>();
    lines.lines().forEach(l -> words.add(l.strip().split(" +")[0]));
    return words;
  }

  private static Set<String> minus(Set<String> a, Set<String> b) {
    Set<String> d = new TreeSet<>(a);
    d.removeAll(b);
    return d;
  }

  /** An HTTP request, a TCP connection, three UDP datagrams, all answered. */
  private static void traffic(int http, int db, int dns) throws IOException {
    try (Wire c = new Wire(http)) {
      assertThat(c.get("/", "web.shop.mesh").status()).isEqualTo(200);
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", db), 10_000);
      s.setSoTimeout(30_000);
      s.getOutputStream().write(new byte[16]);
      assertThat(s.getInputStream().readNBytes(16)).hasSize(16);
    }
    try (DatagramSocket c = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      c.setSoTimeout(30_000);
      byte[] q = "ping".getBytes(StandardCharsets.UTF_8);
      c.send(new DatagramPacket(q, q.length, InetAddress.getLoopbackAddress(), dns));
      c.receive(new DatagramPacket(new byte[100], 100));
    }
  }

  /**
   * The {@code nodemesh_} names in the first column of the tables of the "Node proxy" section, as
   * {@link #base} leaves them.
   */
  static Set<String> documented() throws IOException {
    String text = Files.readString(DOCS);
    int from = text.indexOf("\n## Node proxy\n");
    int to = text.indexOf("\n## ", from + 1);
    assertThat(from).as("section Node proxy of %s", DOCS).isPositive();
    Set<String> names = new TreeSet<>();
    Pattern name = Pattern.compile("`(nodemesh_[a-z0-9_]+)`");
    for (String line : text.substring(from, to).split("\n")) {
      if (!line.startsWith("| `")) {
        continue;
      }
      Matcher m = name.matcher(line.substring(1, line.indexOf('|', 1)));
      while (m.find()) {
        names.add(base(m.group(1), Set.of()));
      }
    }
    assertThat(names).as("meters documented in %s", DOCS).isNotEmpty();
    return names;
  }

  /** The {@code nodemesh_} meters of a Prometheus exposition, as {@link #base} leaves them. */
  static Set<String> exported(String exposition) {
    Set<String> histograms = new HashSet<>();
    Set<String> samples = new HashSet<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] p = line.split(" ");
        if (p.length >= 4 && (p[3].equals("histogram") || p[3].equals("summary"))) {
          histograms.add(p[2]);
        }
      } else if (line.startsWith("nodemesh_")) {
        int end = line.indexOf('{');
        samples.add(line.substring(0, end > 0 ? end : line.indexOf(' ')));
      }
    }
    Set<String> names = new TreeSet<>();
    for (String s : samples) {
      names.add(base(s, histograms));
    }
    return names;
  }

  /**
   * {@code name} without what the exposition adds to a meter's name: a histogram's (or summary's)
   * {@code _bucket}, {@code _count}, {@code _sum} and its {@code _max} gauge, a counter's {@code
   * _total}.
   */
  static String base(String name, Set<String> histograms) {
    for (String suffix : new String[] {"_bucket", "_count", "_sum", "_max"}) {
      if (name.endsWith(suffix)) {
        String b = name.substring(0, name.length() - suffix.length());
        if (histograms.contains(b)) {
          return b;
        }
      }
    }
    return name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
  }
}
