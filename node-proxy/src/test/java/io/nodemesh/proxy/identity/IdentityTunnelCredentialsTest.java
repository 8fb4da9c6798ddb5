package io.nodemesh.proxy.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.identity.SpiffeId;
import io.nodemesh.proxy.tunnel.TunnelCredentials;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tunnel reads the certificate store through the adapter: fresh on each call. */
class IdentityTunnelCredentialsTest {
  static final String TD = "adapter.test";
  static final Duration LIFETIME = Duration.ofHours(2);

  final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  final InstantSource clock = () -> now.get();
  TestCa ca;
  CertificateStore store;
  TunnelCredentials credentials;

  @BeforeEach
  void setUp() throws Exception {
    ca = TestCa.create(TD);
    store = new CertificateStore(ca.source(clock, LIFETIME), clock);
    credentials = new IdentityTunnelCredentials(store);
  }

  @Test
  void beforeTheFirstAnswerNothingIsOfferedAndNoPeerCanMatch() {
    assertThat(credentials.trustDomain()).isEmpty();
    assertThat(credentials.identity("default/web")).isEmpty();
    assertThat(credentials.roots()).isEmpty();
  }

  @Test
  void offersTheStoresCertificateWithItsKeyAndChain() {
    store.want(Set.of("default/web"));
    store.refresh();

    assertThat(credentials.trustDomain()).isEqualTo(TD);
    assertThat(credentials.roots()).containsExactly(ca.root());
    TunnelCredentials.Identity id = credentials.identity("default/web").orElseThrow();
    WorkloadCertificate held = store.certificateFor(SpiffeId.of(TD, "default/web")).get();
    assertThat(id.account()).isEqualTo("default/web");
    assertThat(id.key()).isSameAs(held.key());
    assertThat(id.chain()).isEqualTo(held.chain());
    assertThat(id.leaf().getPublicKey()).isEqualTo(held.leaf().getPublicKey());
    // Not held, or not namespace/name (the tunnel asks with names read off SNI): nothing.
    assertThat(credentials.identity("default/db")).isEmpty();
    for (String bad : List.of("", "web", "/web", "a/b/c", "default/")) {
      assertThat(credentials.identity(bad)).as(bad).isEmpty();
    }
  }

  @Test
  void aRotatedCertificateIsSeenByTheNextCallAndADroppedOneIsNot() {
    store.want(Set.of("default/web"));
    store.refresh();
    var first = credentials.identity("default/web").orElseThrow().leaf().getSerialNumber();

    now.set(now.get().plus(LIFETIME.dividedBy(2)).plusSeconds(1));
    store.refresh();
    var second = credentials.identity("default/web").orElseThrow().leaf().getSerialNumber();
    assertThat(second).isNotEqualTo(first);

    store.want(Set.of());
    store.refresh();
    assertThat(credentials.identity("default/web")).isEmpty();
  }
}
