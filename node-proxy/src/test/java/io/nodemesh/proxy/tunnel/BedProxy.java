package io.nodemesh.proxy.tunnel;

import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import java.io.ByteArrayInputStream;
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
import java.util.concurrent.CountDownLatch;

/**
 * A node proxy with a tunnel, as one test-bed node runs it: {@code BedProxy NODE BIND_IP
 * TUNNEL_PORT CONFIG.json CREDS_DIR}. {@code CREDS_DIR} holds {@code trust-domain}, {@code
 * root.der} and, per account {@code ns/sa}, {@code ns_sa.key} (PKCS#8 DER) and {@code ns_sa.crt}
 * (DER). Prints {@code READY} when the config is applied.
 */
public final class BedProxy {
  private BedProxy() {}

  public static void main(String[] args) throws Exception {
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
