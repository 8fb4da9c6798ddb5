package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The trust manager remembers chains that verified (a peer's next tunnel connection skips the path
 * validation in Java, docs/benchmarks.md "Node-to-node tunnel"), and that memory never lets through
 * what a fresh validation would refuse: a certificate past its end, a root dropped from the bundle,
 * a different account than expected, a chain that never verified.
 */
class VerifiedChainsTest {
  private static final String TD = "verified.test";

  /** A clock the test moves. */
  private static final class Moving extends Clock {
    private volatile Instant now = Instant.now();

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private static X509Certificate[] chain(TunnelCredentials.Identity id) {
    return id.chain().toArray(X509Certificate[]::new);
  }

  @Test
  void aRememberedChainIsStillRefusedOnceItsCertificateHasEnded() throws Exception {
    TunnelCa ca = TunnelCa.create(TD);
    Moving clock = new Moving();
    Instant now = clock.instant();
    TunnelCredentials.Identity web =
        ca.issue("shop/web", now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofMinutes(10)));
    SpiffeTrustManager tm = new SpiffeTrustManager(List.of(ca.root), TD, null, clock);

    assertThat(tm.verify(chain(web))).isEqualTo("shop/web");
    assertThat(tm.verify(chain(web))).isEqualTo("shop/web");
    assertThat(tm.remembered()).as("one chain, validated once").isEqualTo(1);

    clock.now = now.plus(Duration.ofMinutes(11));
    assertThatThrownBy(() -> tm.verify(chain(web)))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("does not verify");
    clock.now = now.minus(Duration.ofMinutes(6));
    assertThatThrownBy(() -> tm.verify(chain(web)))
        .as("before its start")
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void aRememberedChainIsRefusedOnceItsRootLeavesTheBundle() throws Exception {
    TunnelCa oldCa = TunnelCa.create(TD);
    TunnelCa newCa = TunnelCa.create(TD);
    List<X509Certificate> bundle = new CopyOnWriteArrayList<>(List.of(oldCa.root, newCa.root));
    TunnelCredentials.Identity web = oldCa.issue("shop/web", Duration.ofHours(2));
    SpiffeTrustManager tm = new SpiffeTrustManager(() -> bundle, TD, null, Clock.systemUTC());

    assertThat(tm.verify(chain(web))).isEqualTo("shop/web");
    bundle.remove(oldCa.root);
    assertThatThrownBy(() -> tm.verify(chain(web)))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("does not verify");
  }

  @Test
  void theExpectedAccountIsCheckedOnARememberedChainToo() throws Exception {
    TunnelCa ca = TunnelCa.create(TD);
    TunnelCredentials.Identity db = ca.issue("shop/db", Duration.ofHours(2));
    SpiffeTrustManager tm =
        new SpiffeTrustManager(List.of(ca.root), TD, "shop/api", Clock.systemUTC());

    refusedTwice(tm, db, "expected shop/api");
  }

  @Test
  void aChainThatDoesNotVerifyIsNeverRemembered() throws Exception {
    TunnelCa ours = TunnelCa.create(TD);
    TunnelCa foreign = TunnelCa.create(TD);
    TunnelCredentials.Identity stolen = foreign.issue("shop/web", Duration.ofHours(2));
    SpiffeTrustManager tm = new SpiffeTrustManager(List.of(ours.root), TD, null, Clock.systemUTC());

    refusedTwice(tm, stolen, "does not verify");
    assertThat(tm.remembered()).isZero();
  }

  private static void refusedTwice(
      SpiffeTrustManager tm, TunnelCredentials.Identity id, String why) {
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> tm.verify(chain(id)))
          .isInstanceOf(CertificateException.class)
          .hasMessageContaining(why);
    }
  }
}
