package io.nodemesh.proxy.tunnel;

import io.grpc.Attributes;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Two real node proxies with their tunnels on loopback addresses (issue 14): node a's proxy on
 * 127.0.0.2, node b's on 127.0.0.3. The config's pod table: {@code shop/web} (127.0.0.21) and
 * {@code shop/admin} (127.0.0.23) on node a; {@code shop/api} (127.0.0.41) and {@code shop/db}
 * (127.0.0.1, where the testkit's loopback backends listen) on node b. 127.0.0.22 is no pod.
 */
final class TwoNodes implements AutoCloseable {
  static final String TD = "two.test";
  static final String A = "127.0.0.2";
  static final String B = "127.0.0.3";

  final TunnelCa ca;
  final NodeProxy a;
  final NodeProxy b;
  private final Map<String, String> proxies;
  private boolean bStopped;

  /** Both proxies holding certificates of one {@link TunnelCa}, on the system clock. */
  TwoNodes() throws Exception {
    this(PodPoolSettings.DEFAULTS);
  }

  /** As {@link #TwoNodes()}, node b's destination pod pools with {@code podPoolB}. */
  TwoNodes(PodPoolSettings podPoolB) throws Exception {
    this(TunnelCa.create(TD), null, null, Clock.systemUTC(), Duration.ofMinutes(1), null, podPoolB);
  }

  /**
   * As {@link #TwoNodes()}, with tunnel idle timeouts {@code idleA} on node a, {@code idleB} on b.
   */
  TwoNodes(Duration idleA, Duration idleB) throws Exception {
    this(
        TunnelCa.create(TD), null, null, Clock.systemUTC(), idleA, idleB, PodPoolSettings.DEFAULTS);
  }

  /**
   * Both proxies holding the credentials given (node a: {@code shop/web}, {@code shop/admin}; node
   * b: {@code shop/api}, {@code shop/db}), their tunnels checking validity on {@code clock}.
   */
  TwoNodes(TunnelCredentials forA, TunnelCredentials forB, Clock clock) throws Exception {
    this(null, forA, forB, clock, Duration.ofMinutes(1), null, PodPoolSettings.DEFAULTS);
  }

  private TwoNodes(
      TunnelCa ca,
      TunnelCredentials forA,
      TunnelCredentials forB,
      Clock clock,
      Duration idleA,
      Duration idleB,
      PodPoolSettings podPoolB)
      throws Exception {
    this.ca = ca;
    a = NodeProxy.start(new ProxyOptions((URI) null, A, 0, -1, "a", 1));
    b = NodeProxy.start(new ProxyOptions((URI) null, B, 0, -1, "b", 1));
    int tunnelA =
        tunnel(
            a,
            forA != null ? forA : issued("shop/web", "shop/admin"),
            clock,
            idleA,
            PodPoolSettings.DEFAULTS);
    int tunnelB =
        tunnel(
            b,
            forB != null ? forB : issued("shop/api", "shop/db"),
            clock,
            idleB != null ? idleB : idleA,
            podPoolB);
    proxies = Map.of("a", A + ":" + tunnelA, "b", B + ":" + tunnelB);
  }

  private TunnelCredentials issued(String... accounts) throws Exception {
    TunnelCredentials.Identity[] ids = new TunnelCredentials.Identity[accounts.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = ca.issue(accounts[i], Duration.ofHours(1));
    }
    return ca.credentials(ids);
  }

  /** Starts {@code proxy}'s tunnel on an ephemeral port. */
  private static int tunnel(
      NodeProxy proxy,
      TunnelCredentials credentials,
      Clock clock,
      Duration idle,
      PodPoolSettings podPool) {
    return proxy.startTunnel(
        new TunnelSettings(0, 100, idle, Duration.ofHours(1), Duration.ofSeconds(10), podPool),
        credentials,
        clock);
  }

  /** Node b's tunnel port. */
  int tunnelPortB() {
    String p = proxies.get("b");
    return Integer.parseInt(p.substring(p.lastIndexOf(':') + 1));
  }

  /** Applies one config, the same on both nodes, with {@code mode} for namespace {@code shop}. */
  void apply(MtlsMode mode, ListenerConfig... listeners) {
    apply(mode, AccessConfig.disabled(), listeners);
  }

  /**
   * As {@link #apply(MtlsMode, ListenerConfig...)}, with access control {@code accessOnB} on node b
   * only: node a lets everything through, so what is refused is refused at the destination.
   */
  void apply(MtlsMode mode, AccessConfig accessOnB, ListenerConfig... listeners) {
    MeshConfig config = config(mode, AccessConfig.disabled(), listeners);
    a.apply(config);
    if (!bStopped) {
      b.apply(config(mode, accessOnB, listeners));
    }
  }

  private MeshConfig config(MtlsMode mode, AccessConfig access, ListenerConfig... listeners) {
    return new MeshConfig(
        1,
        "mesh",
        List.of(listeners),
        access,
        new TunnelConfig(
            MtlsMode.OFF,
            Map.of("shop", mode),
            TD,
            proxies,
            Map.of(
                "127.0.0.21", new TunnelPod("a", "shop/web"),
                "127.0.0.23", new TunnelPod("a", "shop/admin"),
                "127.0.0.41", new TunnelPod("b", "shop/api"),
                "127.0.0.1", new TunnelPod("b", "shop/db"))));
  }

  /**
   * Service {@code shop/db} on {@code proxyPort}, served by the pod at 127.0.0.1:{@code podPort} on
   * node b.
   */
  static ListenerConfig db(Protocol protocol, int proxyPort, int podPort) {
    return db(protocol, proxyPort, podPort, ServicePolicy.defaults());
  }

  static ListenerConfig db(Protocol protocol, int proxyPort, int podPort, ServicePolicy policy) {
    return new ListenerConfig(
        "shop",
        "db",
        protocol == Protocol.TCP ? 5432 : 80,
        protocol,
        proxyPort,
        RouteConfig.direct(new BackendConfig("db", 1, List.of(onB("127.0.0.1", podPort)))),
        policy);
  }

  /** An endpoint of a pod on node b. */
  static EndpointConfig onB(String ip, int port) {
    return new EndpointConfig(ip, port, "b", true, true, false);
  }

  static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(host, 0));
      return s.getLocalPort();
    }
  }

  /** A connection from pod address {@code client} to node a's proxy port {@code port}. */
  static Socket connectFrom(String client, int port) throws IOException {
    Socket s = new Socket();
    s.setSoTimeout(30_000);
    s.bind(new InetSocketAddress(client, 0));
    s.connect(new InetSocketAddress(A, port));
    return s;
  }

  /**
   * One HTTP/1.1 request (it should say {@code Connection: close}) from {@code client} to node a's
   * proxy port {@code port}; the whole answer.
   */
  static String exchange(String client, int port, String request) throws IOException {
    try (Socket s = connectFrom(client, port)) {
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * A plaintext gRPC channel from pod address {@code client} to node a's proxy port {@code port}.
   */
  static ManagedChannel grpcFrom(String client, int port) {
    return NettyChannelBuilder.forAddress(A, port)
        .usePlaintext()
        .localSocketPicker(
            new NettyChannelBuilder.LocalSocketPicker() {
              @Override
              public SocketAddress createSocketAddress(SocketAddress remote, Attributes attrs) {
                return new InetSocketAddress(client, 0);
              }
            })
        .build();
  }

  /** Node b's proxy goes down: its tunnel port refuses connections. */
  void stopB() {
    bStopped = true;
    b.close();
  }

  /**
   * Streams of {@code kind} ({@code tcp}, {@code http}, {@code h2c}) that {@code proxy} relayed as
   * destination.
   */
  static double relayed(NodeProxy proxy, String host, String kind) throws Exception {
    return metric(proxy, host, "nodemesh_tunnel_streams_total", "kind=\"" + kind + "\"");
  }

  /**
   * The sum of {@code proxy}'s series of {@code name} whose labels contain all of {@code labels}.
   */
  static double metric(NodeProxy proxy, String host, String name, String... labels)
      throws Exception {
    String body =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://" + host + ":" + proxy.adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    double n = 0;
    for (String line : body.split("\n")) {
      boolean all = line.startsWith(name + "{") || line.startsWith(name + " ");
      for (String l : labels) {
        all &= line.contains(l);
      }
      if (all) {
        n += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return n;
  }

  @Override
  public void close() {
    a.close();
    if (!bStopped) {
      b.close();
    }
  }
}
