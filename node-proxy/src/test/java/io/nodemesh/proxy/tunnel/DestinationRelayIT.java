package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import io.nodemesh.proxy.Listeners;
import io.nodemesh.proxy.transport.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The destination side on loopback, driven by a caller that holds a valid certificate and asks for
 * what it should not get: it is never an open relay, it checks certificates, it decides access on
 * the certificate's identity, and it replaces a forged identity header (issue 14).
 */
class DestinationRelayIT {
  private static final String TD = "td.test";
  private static final String WEB = "shop/web";
  private static final String API = "shop/api";
  private static final String LISTENER = "shop/api:80";

  private final Transport transport = Transport.create(2);
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final TunnelMetrics metrics = new TunnelMetrics(registry);
  private final AtomicInteger podRequests = new AtomicInteger();
  private TunnelCa ca;
  private HttpServer pod;
  private int podPort;
  private TunnelServer server;
  private TunnelSettings settings;

  @BeforeEach
  void setUp() throws Exception {
    ca = TunnelCa.create(TD);
    pod = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.31"), 0), 16);
    pod.createContext(
        "/",
        ex -> {
          podRequests.incrementAndGet();
          byte[] body =
              ("peer-id="
                      + ex.getRequestHeaders().get("x-nodemesh-peer-identity")
                      + " target="
                      + ex.getRequestHeaders().get("nodemesh-tunnel-target"))
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    pod.start();
    podPort = pod.getAddress().getPort();
    settings =
        new TunnelSettings(
            0, 100, Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofSeconds(10));
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    pod.stop(0);
    transport.shutdown();
  }

  /** node-b's view: pods, one listener with endpoints on this node, another node, and outside. */
  private MeshConfig config(boolean acl) {
    List<EndpointConfig> eps =
        List.of(
            new EndpointConfig("127.0.0.31", podPort, "node-b", true, true, false),
            new EndpointConfig("127.0.0.32", podPort, "node-c", true, true, false),
            new EndpointConfig("127.0.0.33", podPort, "node-b", true, true, false),
            new EndpointConfig("127.0.0.34", podPort, "node-b", true, true, false));
    ListenerConfig l = Listeners.shopApi(5001, eps);
    TunnelConfig t =
        Listeners.strictTunnel(
            TD,
            Map.of("node-b", "127.0.0.3:1", "node-c", "127.0.0.4:1"),
            Map.of(
                "127.0.0.31", new TunnelPod("node-b", API),
                "127.0.0.32", new TunnelPod("node-c", API),
                // 127.0.0.33: listed as an endpoint, but not a meshed pod (not in this table).
                "127.0.0.34", new TunnelPod("node-b", "shop/db"),
                "127.0.0.21", new TunnelPod("node-a", WEB)));
    AccessConfig access =
        acl
            ? new AccessConfig(
                true,
                Map.of("127.0.0.31", API, "127.0.0.21", WEB),
                List.of(
                    new ListenerAccess(
                        LISTENER,
                        List.of(API),
                        List.of(
                            new AccessGrant(
                                "shop/tt", "TCPRoute shop/all", API, List.of(WEB), List.of())))))
            : AccessConfig.disabled();
    return new MeshConfig(1, "mesh", List.of(l), access, t);
  }

  private void startServer(boolean acl, TunnelCredentials held) {
    TunnelTable table = new TunnelTable(config(acl), "node-b");
    server =
        TunnelServer.start(
            transport,
            "127.0.0.3",
            settings,
            new TunnelTls(held, Clock.systemUTC()),
            () -> table,
            metrics);
  }

  record Answer(int status, String body) {}

  /**
   * One request through a fresh tunnel connection presenting {@code as}, expecting {@code dest}.
   */
  private Answer call(
      TunnelCredentials as, String source, String dest, String target, String forged)
      throws Exception {
    return call(connect(as, source, dest), target, forged);
  }

  private CompletableFuture<TunnelConnection> connect(
      TunnelCredentials as, String source, String dest) {
    TunnelTls tls = new TunnelTls(as, Clock.systemUTC());
    EventLoop loop = transport.group().next();
    TunnelClient.LoopPool pool = new TunnelClient.LoopPool(loop);
    CompletableFuture<TunnelConnection> conn = new CompletableFuture<>();
    loop.execute(
        () ->
            conn.complete(
                new TunnelConnection(
                    new TunnelClient.Key(source, "node-b", dest),
                    pool,
                    loop,
                    transport,
                    tls.client(source).orElseThrow(),
                    settings,
                    tls,
                    metrics,
                    new InetSocketAddress("127.0.0.3", server.port()))));
    return conn;
  }

  private Answer call(CompletableFuture<TunnelConnection> conn, String target, String forged)
      throws Exception {
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    CompletableFuture<Channel> stream = new CompletableFuture<>();
    EventLoop loop = conn.join().loop();
    loop.execute(
        () ->
            conn.join()
                .openStream(
                    target,
                    LISTENER,
                    p ->
                        p.addLast(new Http2StreamFrameToHttpObjectCodec(false))
                            .addLast(new HttpObjectAggregator(1 << 20))
                            .addLast(
                                new SimpleChannelInboundHandler<FullHttpResponse>() {
                                  @Override
                                  protected void channelRead0(
                                      ChannelHandlerContext ctx, FullHttpResponse r) {
                                    answer.complete(
                                        new Answer(
                                            r.status().code(),
                                            r.content().toString(StandardCharsets.UTF_8)));
                                  }

                                  @Override
                                  public void channelInactive(ChannelHandlerContext ctx) {
                                    answer.completeExceptionally(
                                        new IllegalStateException("stream closed"));
                                  }
                                }))
                .addListener(
                    f -> {
                      if (f.isSuccess()) {
                        stream.complete((Channel) f.getNow());
                      } else {
                        stream.completeExceptionally(f.cause());
                      }
                    }));
    Channel ch = stream.get(30, TimeUnit.SECONDS);
    ch.config().setAutoRead(true);
    DefaultFullHttpRequest req =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, "/hello", Unpooled.EMPTY_BUFFER);
    req.headers().set(HttpHeaderNames.HOST, "api.shop.mesh");
    if (forged != null) {
      req.headers().set("x-nodemesh-peer-identity", forged);
    }
    ch.writeAndFlush(req);
    return answer.get(30, TimeUnit.SECONDS);
  }

  private String target(String ip) {
    return ip + ":" + podPort;
  }

  @Test
  void relaysToAMeshedPodOfItsNodeWithTheVerifiedIdentityNotTheForgedOne() throws Exception {
    startServer(false, ca.credentials(ca.issue(API, Duration.ofHours(1))));
    Answer a =
        call(
            ca.credentials(ca.issue(WEB, Duration.ofHours(1))),
            WEB,
            API,
            target("127.0.0.31"),
            "spiffe://td.test/ns/kube-system/sa/admin");
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body())
        .contains("peer-id=[spiffe://td.test/ns/shop/sa/web]")
        .doesNotContain("kube-system")
        .contains("target=null");
  }

  @Test
  void manyRequestsShareOneConnection() throws Exception {
    startServer(false, ca.credentials(ca.issue(API, Duration.ofHours(1))));
    CompletableFuture<TunnelConnection> conn =
        connect(ca.credentials(ca.issue(WEB, Duration.ofHours(1))), WEB, API);
    for (int i = 0; i < 5; i++) {
      assertThat(call(conn, target("127.0.0.31"), null).status()).isEqualTo(200);
    }
    assertThat(podRequests).hasValue(5);
    assertThat(registry.scrape())
        .contains("nodemesh_tunnel_handshakes_total{result=\"ok\",side=\"server\"} 1.0");
  }

  @Test
  void isNeverAnOpenRelay() throws Exception {
    startServer(false, ca.credentials(ca.issue(API, Duration.ofHours(1))));
    TunnelCredentials web = ca.credentials(ca.issue(WEB, Duration.ofHours(1)));
    Map<String, String> attempts =
        Map.of(
            "metadata address",
            "169.254.169.254:80",
            "kubelet port of the pod",
            "127.0.0.31:10250",
            "host name",
            "metadata.google.internal:80",
            "hostNetwork (node) address",
            "127.0.0.3:" + podPort,
            "unmeshed pod",
            target("127.0.0.33"),
            "pod on another node",
            target("127.0.0.32"),
            "pod of another service account",
            target("127.0.0.34"));
    for (Map.Entry<String, String> e : attempts.entrySet()) {
      Answer a = call(web, WEB, API, e.getValue(), null);
      assertThat(a.status()).as(e.getKey()).isEqualTo(403);
      assertThat(a.body()).as(e.getKey()).startsWith("tunnel: target " + e.getValue());
    }
    assertThat(podRequests).hasValue(0);
    assertThat(registry.scrape()).contains("nodemesh_tunnel_refused_total{reason=\"target\"} 7.0");
  }

  @Test
  void decidesAccessOnTheCertificatesIdentityAtTheDestination() throws Exception {
    startServer(true, ca.credentials(ca.issue(API, Duration.ofHours(1))));
    assertThat(
            call(
                    ca.credentials(ca.issue(WEB, Duration.ofHours(1))),
                    WEB,
                    API,
                    target("127.0.0.31"),
                    null)
                .status())
        .isEqualTo(200);
    Answer denied =
        call(
            ca.credentials(ca.issue("shop/evil", Duration.ofHours(1))),
            "shop/evil",
            API,
            target("127.0.0.31"),
            null);
    assertThat(denied.status()).isEqualTo(403);
    assertThat(denied.body())
        .contains("no TrafficTarget allows sa shop/evil")
        .contains("decided at the destination node");
    assertThat(podRequests).hasValue(1);
  }

  @Test
  void refusesForeignAndExpiredCertificatesInTheHandshake() throws Exception {
    startServer(false, ca.credentials(ca.issue(API, Duration.ofHours(1))));
    TunnelCa foreign = TunnelCa.create(TD);
    // A foreign CA's certificate for the same SPIFFE ID, trusting the real root so that only the
    // destination's check can stop it.
    TunnelCa.Held stolen = new TunnelCa.Held(TD, List.of(ca.root, foreign.root));
    stolen.put(foreign.issue(WEB, Duration.ofHours(1)));
    assertThatThrownBy(() -> call(stolen, WEB, API, target("127.0.0.31"), null))
        .isInstanceOf(ExecutionException.class);
    Instant now = Instant.now();
    TunnelCa.Held expired =
        ca.credentials(
            ca.issue(WEB, now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(1))));
    assertThatThrownBy(() -> call(expired, WEB, API, target("127.0.0.31"), null))
        .isInstanceOf(ExecutionException.class);
    assertThat(podRequests).hasValue(0);
    assertThat(registry.scrape())
        .contains("nodemesh_tunnel_handshakes_total{result=\"certificate\",side=\"server\"} 2.0");
  }

  @Test
  void theCallerRefusesADestinationThatIsNotTheIdentityItExpects() throws Exception {
    // The destination holds a certificate for shop/db only: asked by SNI for shop/api it has none,
    // and a caller that expects shop/db from a server showing shop/api fails its own check.
    startServer(
        false,
        ca.credentials(
            ca.issue(API, Duration.ofHours(1)), ca.issue("shop/db", Duration.ofHours(1))));
    TunnelCredentials web = ca.credentials(ca.issue(WEB, Duration.ofHours(1)));
    assertThatThrownBy(() -> call(web, WEB, "shop/payments", target("127.0.0.31"), null))
        .isInstanceOf(ExecutionException.class);
    assertThat(podRequests).hasValue(0);
    // A hostile destination showing shop/api's valid certificate whatever the SNI asks for: the
    // caller's own check, right after the handshake (one client context serves every
    // destination), refuses it before any request.
    server.close();
    TunnelCredentials.Identity api = ca.issue(API, Duration.ofHours(1));
    TunnelCa.Held roots = ca.credentials();
    startServer(
        false,
        new TunnelCredentials() {
          @Override
          public String trustDomain() {
            return TD;
          }

          @Override
          public java.util.Optional<Identity> identity(String account) {
            return java.util.Optional.of(api);
          }

          @Override
          public List<java.security.cert.X509Certificate> roots() {
            return roots.roots();
          }
        });
    assertThatThrownBy(() -> call(web, WEB, "shop/db", target("127.0.0.31"), null))
        .isInstanceOf(ExecutionException.class);
    assertThat(podRequests).hasValue(0);
    assertThat(registry.scrape())
        .contains("nodemesh_tunnel_handshakes_total{result=\"certificate\",side=\"client\"} 1.0");
  }
}
