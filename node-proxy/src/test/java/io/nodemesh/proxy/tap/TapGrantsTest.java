package io.nodemesh.proxy.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.tap.TapGrant;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's checks of a controller tap grant that the loopback tests cannot reach: time, the
 * nonce table's bound and the certificate's name. A self-signed EC P-256 certificate for {@code
 * 127.0.0.1} plays CA and controller (cert-manager's key type; ControllerTapIT signs with RSA).
 */
class TapGrantsTest {
  static final String HOST = "10.0.0.7";
  static final String QUERY = "service=shop%2Fweb&rate=10";

  @TempDir static Path dir;
  static X509Certificate cert;
  static PrivateKey key;
  final AtomicLong clock = new AtomicLong();
  final SecureRandom random = new SecureRandom();

  @BeforeAll
  static void certificate() throws Exception {
    Path store = dir.resolve("controller.p12");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "c",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=nodemesh-controller",
                "-ext",
                "san=ip:127.0.0.1,dns:nodemesh-controller.nodemesh.svc",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    cert = (X509Certificate) ks.getCertificate("c");
    key = (PrivateKey) ks.getKey("c", "changeit".toCharArray());
  }

  static final int NONCES = 16;

  TapGrants grants(String controllerHost) {
    // The certificate is valid from the moment keytool ran: the test clock starts there.
    clock.set(System.currentTimeMillis() / 1000);
    return new TapGrants(cert, controllerHost, clock::get, NONCES);
  }

  String[] grant(String target, long expires, String query) throws Exception {
    TapGrant g = new TapGrant(target, expires, TapGrant.nonce(random), query);
    Signature s = Signature.getInstance(TapGrant.algorithm(key));
    s.initSign(key);
    s.update(g.payload());
    return new String[] {g.header(s.sign()), Base64.getEncoder().encodeToString(cert.getEncoded())};
  }

  @Test
  void aGoodGrantPassesOnceAndTheSameFromAnIpOrADnsName() throws Exception {
    for (String controller : List.of("127.0.0.1", "nodemesh-controller.nodemesh.svc")) {
      TapGrants g = grants(controller);
      String[] h = grant(HOST, clock.get() + TapGrant.LIFETIME_SECONDS, QUERY);
      assertThat(g.refusal(h[0], h[1], HOST, QUERY)).isNull();
      assertThat(g.refusal(h[0], h[1], HOST, QUERY)).isEqualTo("tap grant used before");
    }
  }

  @Test
  void expiredAndFarFutureGrantsAreRefused() throws Exception {
    TapGrants g = grants("127.0.0.1");
    String[] expired = grant(HOST, clock.get() - 1, QUERY);
    assertThat(g.refusal(expired[0], expired[1], HOST, QUERY)).contains("expired");
    String[] tooLong = grant(HOST, clock.get() + 3600, QUERY);
    assertThat(g.refusal(tooLong[0], tooLong[1], HOST, QUERY)).contains("not yet valid");
  }

  @Test
  void aCertificateForAnotherNameIsNotTheController() throws Exception {
    TapGrants g = grants("controller.elsewhere");
    String[] h = grant(HOST, clock.get() + 10, QUERY);
    assertThat(g.refusal(h[0], h[1], HOST, QUERY))
        .isEqualTo("tap grant signer is not the controller's certificate");
  }

  @Test
  void theNonceTableIsBoundedAndRefusesWhenFullOfLiveGrants() throws Exception {
    TapGrants g = grants("127.0.0.1");
    List<String[]> all = new ArrayList<>();
    for (int i = 0; i <= NONCES; i++) {
      all.add(grant(HOST, clock.get() + 10, QUERY));
    }
    for (int i = 0; i < NONCES; i++) {
      assertThat(g.refusal(all.get(i)[0], all.get(i)[1], HOST, QUERY)).isNull();
    }
    String[] last = all.get(NONCES);
    assertThat(g.refusal(last[0], last[1], HOST, QUERY)).isNotNull();
    // Once those expire, they are forgotten and grants pass again.
    clock.addAndGet(11);
    String[] later = grant(HOST, clock.get() + 10, QUERY);
    assertThat(g.refusal(later[0], later[1], HOST, QUERY)).isNull();
  }

  @Test
  void malformedHeadersAreRefusedWithoutDetail() throws Exception {
    TapGrants g = grants("127.0.0.1");
    String[] h = grant(HOST, clock.get() + 10, QUERY);
    assertThat(g.refusal("v1.x", h[1], HOST, QUERY)).isEqualTo("malformed tap grant");
    assertThat(g.refusal(h[0], "not base64!", HOST, QUERY)).isEqualTo("malformed tap grant");
    assertThat(g.refusal(h[0], null, HOST, QUERY)).contains("without a signer");
    assertThat(g.refusal("v1." + "A".repeat(TapGrant.MAX_HEADER), h[1], HOST, QUERY))
        .isEqualTo("malformed tap grant");
  }
}
