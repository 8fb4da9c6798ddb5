package io.nodemesh.proxy.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.SpiffeId;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the tunnel's destination will rely on: who a peer chain says it is, and when to refuse. */
class PeerVerifierTest {
  static final String TD = "verify.test";
  static final SpiffeId WEB = new SpiffeId(TD, "default", "web");

  @Test
  void acceptsAChainOfTheMeshAndNamesItsIdentity() throws Exception {
    TestCa ca = TestCa.create(TD);
    WorkloadCertificate c = ca.issue(WEB, Duration.ofHours(4));
    assertThat(PeerVerifier.verify(c.chain(), ca.bundle(), Instant.now())).isEqualTo(WEB);
  }

  @Test
  void refusesAForeignAnExpiredAndANotYetValidCertificate() throws Exception {
    TestCa ca = TestCa.create(TD);
    TestCa foreign = TestCa.create(TD);
    WorkloadCertificate stolen = foreign.issue(WEB, Duration.ofHours(4));
    assertThatThrownBy(() -> PeerVerifier.verify(stolen.chain(), ca.bundle(), Instant.now()))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("does not verify");
    Instant now = Instant.now();
    WorkloadCertificate old =
        ca.issueWithClock(WEB, now.minus(Duration.ofHours(5)), now.minus(Duration.ofHours(1)));
    assertThatThrownBy(() -> PeerVerifier.verify(old.chain(), ca.bundle(), now))
        .isInstanceOf(CertificateException.class);
    WorkloadCertificate future =
        ca.issueWithClock(WEB, now.plus(Duration.ofHours(1)), now.plus(Duration.ofHours(5)));
    assertThatThrownBy(() -> PeerVerifier.verify(future.chain(), ca.bundle(), now))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void refusesAnotherTrustDomainAndNonSpiffeNames() throws Exception {
    TestCa ca = TestCa.create(TD);
    WorkloadCertificate other =
        ca.issue(new SpiffeId("other.test", "default", "web"), Duration.ofHours(1));
    assertThatThrownBy(() -> PeerVerifier.verify(other.chain(), ca.bundle(), Instant.now()))
        .hasMessageContaining("trust domain");
    Instant now = Instant.now();
    var key = EcKeys.generate();
    var leaf =
        ca.sign(
            "https://evil.example/ns/default/sa/web",
            key.getPublic(),
            now.minusSeconds(60),
            now.plusSeconds(3600));
    assertThatThrownBy(
            () ->
                PeerVerifier.verify(
                    List.of(leaf, ca.issue(WEB, Duration.ofHours(1)).chain().get(1)),
                    ca.bundle(),
                    now))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void aTwoRootBundleAcceptsBothRootsWhileTheyRotate() throws Exception {
    TestCa oldCa = TestCa.create(TD);
    TestCa newCa = TestCa.create(TD);
    TrustBundle both = new TrustBundle(TD, List.of(oldCa.root(), newCa.root()));
    TrustBundle parsed = TrustBundle.parsePem(TD, both.toPem());
    assertThat(parsed).isEqualTo(both);
    for (TestCa ca : List.of(oldCa, newCa)) {
      assertThat(
              PeerVerifier.verify(
                  ca.issue(WEB, Duration.ofHours(1)).chain(), parsed, Instant.now()))
          .isEqualTo(WEB);
    }
    // After the old root is dropped, its certificates are refused.
    assertThatThrownBy(
            () ->
                PeerVerifier.verify(
                    oldCa.issue(WEB, Duration.ofHours(1)).chain(), newCa.bundle(), Instant.now()))
        .isInstanceOf(CertificateException.class);
  }
}
