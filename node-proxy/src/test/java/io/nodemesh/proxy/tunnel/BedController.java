package io.nodemesh.proxy.tunnel;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.identity.CertificateRequest;
import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.Pem;
import io.nodemesh.proxy.identity.CertificateClient;
import io.nodemesh.proxy.identity.CertificateSource;
import io.nodemesh.proxy.identity.TestCa;
import io.nodemesh.proxy.netbed.BedClock;
import io.nodemesh.testkit.FakeController;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The controller as the bed's proxies see it, run as its own process: {@code BedController BIND_IP
 * PORT DIR CLOCK_FILE CONFIG.json LIFETIME_MINUTES}. Over TLS (a certificate for {@code BIND_IP}
 * from the test CA, whose root is written to {@code DIR/controller-ca.pem} for the proxies to pin)
 * it serves the config ({@link FakeController}'s long poll) and the CA's {@code POST
 * /api/v1/certificates}, which signs each CSR as the controller's CA does ({@link TestCa#source})
 * for {@code LIFETIME_MINUTES} on the bed clock of {@code CLOCK_FILE}. Who may ask is not checked
 * here: the controller module and the cli's end-to-end test try the real CA's token and node
 * checks. Prints {@code READY}.
 */
public final class BedController {
  private BedController() {}

  public static void main(String[] args) throws Exception {
    String bind = args[0];
    int port = Integer.parseInt(args[1]);
    Path dir = Path.of(args[2]);
    // The JDK's HTTPS server looks up each client's name for its TLS engine; a node namespace has
    // no DNS server, so every lookup would wait out the resolver's timeouts. A hosts file answers.
    System.setProperty(
        "jdk.net.hosts.file",
        Files.writeString(dir.resolve("controller-hosts"), bind + " controller\n").toString());
    InstantSource clock = BedClock.following(Path.of(args[3]));
    MeshConfig config = MeshConfigJson.read(Files.readString(Path.of(args[4])));
    Duration lifetime = Duration.ofMinutes(Long.parseLong(args[5]));
    TestCa pki = TestCa.create(config.tunnel().trustDomain());
    CertificateSource ca = pki.source(clock, lifetime);

    KeyPair key = EcKeys.generate();
    Files.writeString(dir.resolve("controller-ca.pem"), Pem.certificates(List.of(pki.root())));
    HttpsServer https =
        HttpsServer.create(new InetSocketAddress(InetAddress.getByName(bind), port), 50);
    https.setHttpsConfigurator(
        new HttpsConfigurator(
            tls(key, new Certificate[] {pki.serving(bind, key.getPublic()), pki.intermediate()})));
    https.createContext(CertificateClient.PATH, ex -> sign(ex, ca));
    new FakeController(https).publish(config);
    System.out.println("READY");
    new CountDownLatch(1).await();
  }

  private static void sign(HttpExchange ex, CertificateSource ca) throws IOException {
    try {
      CertificateRequest req =
          MeshConfigJson.mapper()
              .readValue(ex.getRequestBody().readNBytes(64 * 1024), CertificateRequest.class);
      byte[] body = MeshConfigJson.mapper().writeValueAsBytes(ca.request(req));
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      System.out.println("issued " + req.namespace() + "/" + req.serviceAccount());
    } catch (IOException | RuntimeException e) {
      System.out.println("refused: " + e);
      ex.sendResponseHeaders(400, -1);
    } finally {
      ex.close();
    }
  }

  private static SSLContext tls(KeyPair key, Certificate[] chain) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("controller", key.getPrivate(), new char[0], chain);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
    kmf.init(ks, new char[0]);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    return tls;
  }
}
