package io.nodemesh.bench;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.Pem;
import io.nodemesh.config.identity.SpiffeId;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import io.nodemesh.controller.identity.MeshCa;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.tunnel.TunnelCredentials;
import io.nodemesh.proxy.tunnel.TunnelSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * One node proxy of bench/tunnel's two-node topology on loopback, in a JVM of its own (issue 14's
 * targets: the node-to-node tunnel against plaintext through the same proxies). Node {@code a}
 * listens on 127.0.0.2, node {@code b} on 127.0.0.3; the pod is the backend on node b, as
 * 127.0.0.41 in namespace {@code strict} and as 127.0.0.42 in namespace {@code off}; the load tool
 * calls from 127.0.0.1, which the pod table makes a pod of node a. Every node gets the same config
 * with three Services, one per way a cross-node request can go:
 *
 * <ul>
 *   <li>{@code tls/api} on BASE+1: namespace {@code strict}: node a's proxy, the mTLS tunnel, node
 *       b's proxy, the pod;
 *   <li>{@code off/api} on BASE+2: namespace {@code off}: node a's proxy straight to the pod (what
 *       switching mTLS off does);
 *   <li>{@code hop/api} on BASE+3: namespace {@code off}, endpoint node b's {@code hop/pod}
 *       listener on BASE+4, which relays to the pod: the same two proxies chained in plaintext
 *       HTTP/1.1.
 * </ul>
 *
 * <p>Certificates: {@code init DIR} writes a mesh CA (root and intermediate, EC P-256) to DIR; each
 * node then issues its own account's certificate from it, chain leaf and intermediate, as the
 * controller's CA would.
 *
 * <p>Usage: {@code TunnelNode init DIR} or {@code TunnelNode a|b DIR BASE_PORT BACKEND_PORT}. A
 * node prints {@code ready} once its tunnel and listeners are up and runs until it is terminated.
 */
public final class TunnelNode {
  private static final String TD = "bench.tunnel";
  private static final String POD = "127.0.0.41";
  // The same backend under a second address, a pod of an mTLS-off namespace: which way a request
  // goes follows the destination pod's namespace, so the plaintext modes need a pod of their own.
  private static final String PLAIN_POD = "127.0.0.42";

  private TunnelNode() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("init")) {
      init(Path.of(args[1]));
      return;
    }
    if (args.length != 4 || !(args[0].equals("a") || args[0].equals("b"))) {
      System.err.println("usage: TunnelNode init DIR | TunnelNode a|b DIR BASE_PORT BACKEND_PORT");
      System.exit(2);
    }
    String node = args[0];
    MeshCa ca = load(Path.of(args[1]));
    int base = Integer.parseInt(args[2]);
    int backend = Integer.parseInt(args[3]);
    String host = node.equals("a") ? "127.0.0.2" : "127.0.0.3";
    NodeProxy proxy = NodeProxy.start(new ProxyOptions((URI) null, host, 0, -1, node, 1));
    TunnelCredentials.Identity id = issue(ca, node.equals("a") ? "strict/web" : "strict/api");
    proxy.startTunnel(
        new TunnelSettings(base, 1000, idle(), Duration.ofHours(1), Duration.ofSeconds(5)),
        credentials(ca, id),
        Clock.systemUTC());
    proxy.apply(config(base, backend));
    Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
    System.out.println("ready");
    System.out.flush();
    new CountDownLatch(1).await();
  }

  /**
   * The tunnel's idle timeout: 5 minutes, or {@code -Dnodemesh.bench.tunnel.idle=MILLIS}, short
   * enough that each request after a pause opens a new tunnel (to trace the first request).
   */
  private static Duration idle() {
    return Duration.ofMillis(Long.getLong("nodemesh.bench.tunnel.idle", 300_000L));
  }

  private static MeshConfig config(int base, int backend) {
    ListenerConfig tls = listener("strict", "api", base + 1, POD, backend, "b");
    ListenerConfig off = listener("off", "api", base + 2, PLAIN_POD, backend, "b");
    ListenerConfig hop = listener("off", "hop", base + 3, "127.0.0.3", base + 4, "b");
    ListenerConfig hopPod = listener("off", "pod", base + 4, PLAIN_POD, backend, "b");
    return new MeshConfig(
        1,
        "mesh",
        List.of(tls, off, hop, hopPod),
        AccessConfig.disabled(),
        new TunnelConfig(
            MtlsMode.OFF,
            Map.of("strict", MtlsMode.STRICT),
            TD,
            Map.of("a", "127.0.0.2:" + base, "b", "127.0.0.3:" + base),
            Map.of(
                "127.0.0.1",
                new TunnelPod("a", "strict/web"),
                POD,
                new TunnelPod("b", "strict/api"))));
  }

  private static ListenerConfig listener(
      String ns, String name, int port, String ip, int podPort, String node) {
    return new ListenerConfig(
        ns,
        name,
        80,
        Protocol.HTTP,
        port,
        RouteConfig.direct(
            new BackendConfig(
                name, 1, List.of(new EndpointConfig(ip, podPort, node, true, true, false)))),
        ServicePolicy.defaults());
  }

  private static TunnelCredentials.Identity issue(MeshCa ca, String account) {
    KeyPair key = EcKeys.generate();
    Instant now = Instant.now();
    X509Certificate leaf =
        ca.issue(
            SpiffeId.of(TD, account),
            key.getPublic(),
            now.minus(Duration.ofMinutes(5)),
            now.plus(Duration.ofHours(4)));
    return new TunnelCredentials.Identity(
        account, key.getPrivate(), List.of(leaf, ca.intermediate()));
  }

  private static TunnelCredentials credentials(MeshCa ca, TunnelCredentials.Identity id) {
    return new TunnelCredentials() {
      @Override
      public String trustDomain() {
        return TD;
      }

      @Override
      public Optional<Identity> identity(String account) {
        return account.equals(id.account()) ? Optional.of(id) : Optional.empty();
      }

      @Override
      public List<X509Certificate> roots() {
        return ca.trusted();
      }
    };
  }

  private static void init(Path dir) throws IOException {
    MeshCa ca = MeshCa.create(TD, Instant.now());
    Files.createDirectories(dir);
    write(dir.resolve("root.pem"), Pem.certificates(List.of(ca.root())));
    write(dir.resolve("intermediate.pem"), Pem.certificates(List.of(ca.intermediate())));
    write(
        dir.resolve("intermediate.key"),
        Pem.encode("PRIVATE KEY", ca.intermediateKey().getEncoded()));
  }

  private static MeshCa load(Path dir) throws IOException {
    X509Certificate root = Pem.readCertificates(read(dir.resolve("root.pem"))).get(0);
    X509Certificate intermediate =
        Pem.readCertificates(read(dir.resolve("intermediate.pem"))).get(0);
    byte[] key = Pem.decode(read(dir.resolve("intermediate.key")), "PRIVATE KEY").get(0);
    return new MeshCa(TD, root, null, intermediate, EcKeys.privateKey(key), List.of(root));
  }

  private static void write(Path p, String s) throws IOException {
    Files.writeString(p, s, StandardCharsets.US_ASCII);
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.US_ASCII);
  }
}
