package io.nodemesh.controller.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.Pem;
import io.nodemesh.config.identity.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CA Secret in its three shapes (made by the controller, brought by the user without the root's
 * key, written by cert-manager) and the mistakes the controller refuses to start with.
 */
class CaSecretTest {
  static final Instant NOW = Instant.now();

  static void put(Secret s, String key, String value) {
    s.getData()
        .put(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.US_ASCII)));
  }

  /** An hour's certificate for default/web in this trust domain, issued by the CA. */
  private static X509Certificate webLeaf(MeshCa ca, String trustDomain) {
    return ca.issue(
        new SpiffeId(trustDomain, "default", "web"),
        EcKeys.generate().getPublic(),
        NOW,
        NOW.plus(Duration.ofHours(1)));
  }

  @Test
  void whatTheControllerWritesItReadsBack() {
    MeshCa ca = MeshCa.create("a.test", NOW);
    MeshCa read = CaSecret.fromSecret(CaSecret.toSecret(ca, "nodemesh", "nodemesh-ca"), null, "x");
    assertThat(read.trustDomain()).isEqualTo("a.test");
    assertThat(read.root()).isEqualTo(ca.root());
    assertThat(read.intermediate()).isEqualTo(ca.intermediate());
    assertThat(read.rootKey()).isNotNull();
    assertThat(read.trusted()).containsExactly(ca.root());
    assertThat(CaSecret.uniqueTrustDomain())
        .matches("nodemesh-[0-9a-f]{12}\\.local")
        .isNotEqualTo(CaSecret.uniqueTrustDomain());
  }

  @Test
  void aUserCaWithoutTheRootKeyIssuesButCannotRenewItsIntermediate() throws Exception {
    MeshCa ca = MeshCa.create("a.test", NOW);
    Secret s = CaSecret.toSecret(ca, "nodemesh", "nodemesh-ca");
    s.getData().remove("root.key");
    s.getData().remove("trust-domain");
    s.getData().remove("trust-bundle.pem");
    assertThatThrownBy(() -> CaSecret.fromSecret(s, null, "nodemesh/nodemesh-ca"))
        .hasMessageContaining("has no 'trust-domain'")
        .hasMessageContaining("identity.trustDomain");
    MeshCa read = CaSecret.fromSecret(s, "user.example", "nodemesh/nodemesh-ca");
    assertThat(read.rootKey()).isNull();
    X509Certificate leaf = webLeaf(read, "user.example");
    leaf.verify(ca.intermediate().getPublicKey());
    assertThatThrownBy(() -> read.withNewIntermediate(NOW))
        .hasMessageContaining("root key is not in the CA Secret");
  }

  @Test
  void aTwoRootBundleIsKeptAndAThirdRootRefused() {
    MeshCa ca = MeshCa.create("a.test", NOW);
    MeshCa next = MeshCa.create("a.test", NOW);
    Secret s = CaSecret.toSecret(ca, "nodemesh", "nodemesh-ca");
    put(s, "trust-bundle.pem", Pem.certificates(List.of(ca.root(), next.root())));
    assertThat(CaSecret.fromSecret(s, null, "x").trusted()).containsExactly(ca.root(), next.root());
    MeshCa third = MeshCa.create("a.test", NOW);
    put(s, "trust-bundle.pem", Pem.certificates(List.of(ca.root(), next.root(), third.root())));
    assertThatThrownBy(() -> CaSecret.fromSecret(s, null, "x")).hasMessageContaining("two");
  }

  @Test
  void mistakesStopTheStartNamingTheKey() {
    MeshCa ca = MeshCa.create("a.test", NOW);
    MeshCa other = MeshCa.create("a.test", NOW);
    // The intermediate's key is another one.
    Secret wrongKey = CaSecret.toSecret(ca, "nodemesh", "nodemesh-ca");
    put(wrongKey, "tls.key", Pem.encode("PRIVATE KEY", other.intermediateKey().getEncoded()));
    assertThatThrownBy(() -> CaSecret.fromSecret(wrongKey, null, "nodemesh/nodemesh-ca"))
        .hasMessageContaining("tls.key is not the key of tls.crt")
        .hasMessageContaining("nodemesh/nodemesh-ca");
    // The intermediate is not signed by the root.
    Secret foreign = CaSecret.toSecret(ca, "nodemesh", "nodemesh-ca");
    put(foreign, "ca.crt", Pem.certificates(List.of(other.root())));
    put(foreign, "trust-bundle.pem", Pem.certificates(List.of(other.root())));
    assertThatThrownBy(() -> CaSecret.fromSecret(foreign, null, "x"))
        .hasMessageContaining("not signed by ca.crt");
    // The root is not in the bundle.
    Secret outside = CaSecret.toSecret(ca, "nodemesh", "nodemesh-ca");
    put(outside, "trust-bundle.pem", Pem.certificates(List.of(other.root())));
    assertThatThrownBy(() -> CaSecret.fromSecret(outside, null, "x"))
        .hasMessageContaining("is not in trust-bundle.pem");
    // A PKCS#1-style EC key (cert-manager's default encoding).
    Secret sec1 = CaSecret.toSecret(ca, "nodemesh", "nodemesh-ca");
    put(sec1, "tls.key", Pem.encode("EC PRIVATE KEY", new byte[] {1, 2, 3}));
    assertThatThrownBy(() -> CaSecret.fromSecret(sec1, null, "x"))
        .hasMessageContaining("privateKey.encoding: PKCS8");
    // A leaf where the intermediate should be.
    Secret leaf = CaSecret.toSecret(ca, "nodemesh", "nodemesh-ca");
    X509Certificate workload = webLeaf(ca, "a.test");
    put(leaf, "tls.crt", Pem.certificates(List.of(workload)));
    assertThatThrownBy(() -> CaSecret.fromSecret(leaf, null, "x"))
        .hasMessageContaining("is not a CA certificate");
  }
}
