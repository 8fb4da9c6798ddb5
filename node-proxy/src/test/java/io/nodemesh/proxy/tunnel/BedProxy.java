package io.nodemesh.proxy.tunnel;

import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.identity.IdentityTunnelCredentials;
import io.nodemesh.proxy.netbed.BedClock;
import io.nodemesh.proxy.netbed.NetBed;
import io.nodemesh.proxy.netbed.Pods;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A node proxy with a tunnel, as one test-bed node runs it: {@code BedProxy NODE BIND_IP
 * TUNNEL_PORT CONFIG.json CREDS_DIR}. {@code CREDS_DIR} holds {@code trust-domain}, {@code
 * root.der} and, per account {@code ns/sa}, {@code ns_sa.key} (PKCS#8 DER) and {@code ns_sa.crt}
 * (DER). Prints {@code READY} when the config is applied. With a controller instead of a config
 * file, see {@link #withIdentities}.
 */
public final class BedProxy {
  private BedProxy() {}

  public static void main(String[] args) throws Exception {
    if (args[3].startsWith("https://")) {
      withIdentities(args);
      return;
    }
    String node = args[0];
    String bind = args[1];
    int tunnelPort = Integer.parseInt(args[2]);
    Path config = Path.of(args[3]);
    Path creds = Path.of(args[4]);
    TunnelCa.Held held = load(creds);
    NodeProxy proxy = NodeProxy.start(new ProxyOptions((URI) null, bind, 0, -1, node, 1));
    Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
    proxy.startTunnel(
        new TunnelSettings(
            tunnelPort, 100, Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofSeconds(5)),
        held,
        Clock.systemUTC());
    proxy.apply(MeshConfigJson.read(Files.readString(config)));
    System.out.println("READY");
    new CountDownLatch(1).await();
  }

  /**
   * {@code BedProxy NODE BIND_IP TUNNEL_PORT https://CONTROLLER CONTROLLER_CA.pem CLOCK_FILE}: as
   * in a cluster, the config comes from the controller and the certificates from its CA ({@link
   * BedController}), renewed at half life; the certificates and the tunnel run on the bed clock of
   * {@code CLOCK_FILE} ({@link BedClock}). Idle tunnel connections close after 20 s, so a test can
   * wait for the next request to need a new handshake. Prints {@code ADMIN port} and {@code READY}.
   */
  private static void withIdentities(String[] args) throws Exception {
    Path clockFile = Path.of(args[5]);
    Clock clock = BedClock.following(clockFile).clock();
    // The CA token; the bed's controller does not review it.
    Path token =
        Files.writeString(clockFile.resolveSibling("ca-token-" + args[0]), "bed-" + args[0]);
    NodeProxy proxy =
        NodeProxy.start(
            new ProxyOptions(URI.create(args[3]), args[1], 0, -1, args[0], 1)
                .withControllerCa(Path.of(args[4])));
    Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
    proxy.startTunnel(
        new TunnelSettings(
            Integer.parseInt(args[2]),
            100,
            Duration.ofSeconds(20),
            Duration.ofHours(1),
            Duration.ofSeconds(5)),
        new IdentityTunnelCredentials(proxy.startIdentities(token, clock)),
        clock);
    System.out.println("ADMIN " + proxy.adminPort());
    System.out.println("READY");
    new CountDownLatch(1).await();
  }

  /**
   * Starts this main as {@code node}'s proxy (process {@code proxy-NODE}) with its tunnel on {@code
   * tunnelPort} and {@code rest} (a config and credentials, or a controller), ready when this
   * returns.
   */
  static void start(NetBed bed, NetBed.Node node, int tunnelPort, String... rest)
      throws IOException, InterruptedException {
    List<String> args =
        new ArrayList<>(List.of(node.name(), node.ip(), Integer.toString(tunnelPort)));
    args.addAll(List.of(rest));
    Pods.startJava(bed, node, "proxy-" + node.name(), BedProxy.class, args.toArray(String[]::new));
  }

  /**
   * The tunnel part of a two-node bed's config: namespace {@code shop} strict, its pod {@code web}
   * on node a and {@code api} on node b, each node's proxy taking tunnels on {@code port}.
   */
  static TunnelConfig shopTunnel(
      String trustDomain, int port, NetBed.Node a, NetBed.Node b, NetBed.Pod web, NetBed.Pod api) {
    return new TunnelConfig(
        MtlsMode.OFF,
        Map.of("shop", MtlsMode.STRICT),
        trustDomain,
        Map.of(a.name(), a.ip() + ":" + port, b.name(), b.ip() + ":" + port),
        Map.of(
            web.ip(),
            new TunnelPod(a.name(), "shop/web"),
            api.ip(),
            new TunnelPod(b.name(), "shop/api")));
  }

  /** Writes what {@link #load} reads. */
  static void write(
      Path dir, String trustDomain, X509Certificate root, TunnelCredentials.Identity... ids)
      throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("trust-domain"), trustDomain);
    Files.write(dir.resolve("root.der"), root.getEncoded());
    for (TunnelCredentials.Identity id : ids) {
      String base = id.account().replace('/', '_');
      Files.write(dir.resolve(base + ".key"), id.key().getEncoded());
      Files.write(dir.resolve(base + ".crt"), id.leaf().getEncoded());
    }
  }

  static TunnelCa.Held load(Path dir) throws Exception {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    X509Certificate root =
        (X509Certificate)
            cf.generateCertificate(
                new ByteArrayInputStream(Files.readAllBytes(dir.resolve("root.der"))));
    TunnelCa.Held held =
        new TunnelCa.Held(Files.readString(dir.resolve("trust-domain")).trim(), List.of(root));
    List<Path> keys = new ArrayList<>();
    try (var s = Files.list(dir)) {
      s.filter(p -> p.toString().endsWith(".key")).forEach(keys::add);
    }
    for (Path k : keys) {
      String base = k.getFileName().toString().replace(".key", "");
      PrivateKey key =
          KeyFactory.getInstance("EC")
              .generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(k)));
      X509Certificate cert =
          (X509Certificate)
              cf.generateCertificate(
                  new ByteArrayInputStream(Files.readAllBytes(dir.resolve(base + ".crt"))));
      held.put(new TunnelCredentials.Identity(base.replaceFirst("_", "/"), key, List.of(cert)));
    }
    return held;
  }
}
