package io.nodemesh.proxy.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.identity.CertificateResponse;
import io.nodemesh.config.identity.SpiffeId;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy's certificate store on a clock the test moves. */
class CertificateStoreTest {
  static final String TD = "store.test";
  static final SpiffeId WEB = new SpiffeId(TD, "default", "web");
  static final Duration LIFETIME = Duration.ofHours(4);

  final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  final InstantSource clock = () -> now.get();
  final AtomicInteger requests = new AtomicInteger();
  final AtomicBoolean down = new AtomicBoolean();
  final List<WorkloadIdentities.Change> changes = new CopyOnWriteArrayList<>();
  TestCa ca;
  CertificateStore store;

  @BeforeEach
  void setUp() throws Exception {
    ca = TestCa.create(TD);
    CertificateSource real = ca.source(clock, LIFETIME);
    store =
        new CertificateStore(
            req -> {
              requests.incrementAndGet();
              if (down.get()) {
                throw new IOException("the CA answered 503");
              }
              return real.request(req);
            },
            clock);
    store.addListener(changes::add);
  }

  void move(Duration d) {
    now.set(now.get().plus(d));
  }

  @Test
  void holdsAVerifiedCertificateForEachWantedAccount() throws Exception {
    store.want(Set.of("default/web"));
    store.refresh();
    WorkloadCertificate c = store.certificateFor(WEB).orElseThrow();
    assertThat(PeerVerifier.verify(c.chain(), store.trustBundle(), now.get())).isEqualTo(WEB);
    assertThat(store.trustDomain()).hasValue(TD);
    assertThat(store.held()).containsExactly(WEB);
    assertThat(changes)
        .hasSize(2)
        .first()
        .isInstanceOf(WorkloadIdentities.Change.TrustChanged.class);
    assertThat(changes.get(1)).isInstanceOf(WorkloadIdentities.Change.Added.class);
    // Another trust domain's ID of the same account is not ours.
    assertThat(store.certificateFor(new SpiffeId("other.test", "default", "web"))).isEmpty();
  }

  @Test
  void rotatesAtHalfLifeWithANewKeyAndNotBefore() throws Exception {
    store.want(Set.of("default/web"));
    store.refresh();
    WorkloadCertificate first = store.certificateFor(WEB).orElseThrow();
    move(Duration.ofMinutes(100)); // less than half of 4 h + 5 min backdate
    store.refresh();
    assertThat(requests).hasValue(1);
    assertThat(store.certificateFor(WEB)).containsSame(first);
    move(Duration.ofMinutes(25)); // past half life
    store.refresh();
    assertThat(requests).hasValue(2);
    WorkloadCertificate second = store.certificateFor(WEB).orElseThrow();
    assertThat(second.key()).isNotEqualTo(first.key());
    assertThat(second.notAfter()).isAfter(first.notAfter());
    assertThat(changes.get(changes.size() - 1))
        .isEqualTo(new WorkloadIdentities.Change.Replaced(first, second));
  }

  @Test
  void keepsServingTheOldCertificateWhileTheCaIsDownAndBacksOff() throws Exception {
    store.want(Set.of("default/web"));
    store.refresh();
    WorkloadCertificate first = store.certificateFor(WEB).orElseThrow();
    down.set(true);
    move(Duration.ofMinutes(125));
    store.refresh();
    assertThat(requests).hasValue(2);
    store.refresh(); // within the backoff: no new request
    assertThat(requests).hasValue(2);
    move(Duration.ofSeconds(1));
    store.refresh();
    assertThat(requests).hasValue(3);
    move(Duration.ofSeconds(1)); // the backoff has doubled to 2 s
    store.refresh();
    assertThat(requests).hasValue(3);
    assertThat(store.certificateFor(WEB)).containsSame(first);
    // Past its end it is dropped, not served.
    move(Duration.ofHours(3));
    store.refresh();
    assertThat(store.certificateFor(WEB)).isEmpty();
    assertThat(changes.get(changes.size() - 1))
        .isEqualTo(new WorkloadIdentities.Change.Removed(WEB));
    down.set(false);
    move(Duration.ofMinutes(2));
    store.refresh();
    assertThat(store.certificateFor(WEB)).isPresent();
  }

  @Test
  void dropsAccountsNoLongerOnThisNode() throws Exception {
    store.want(Set.of("default/web", "default/api"));
    store.refresh();
    assertThat(store.held()).hasSize(2);
    store.want(Set.of("default/api"));
    store.refresh();
    assertThat(store.held()).containsExactly(new SpiffeId(TD, "default", "api"));
    assertThat(store.certificateFor(WEB)).isEmpty();
  }

  /** A store whose CA answers through {@code source} holds nothing for default/web. */
  private void assertHoldsNothing(CertificateSource source) throws Exception {
    CertificateStore store = new CertificateStore(source, clock);
    store.want(Set.of("default/web"));
    store.refresh();
    assertThat(store.held()).isEmpty();
  }

  @Test
  void refusesAnAnswerThatIsNotForItsKeyOrItsAccount() throws Exception {
    TestCa other = TestCa.create(TD);
    CertificateSource real = ca.source(clock, LIFETIME);
    WorkloadCertificate stolen = ca.issue(WEB, LIFETIME);
    // A CA answer for someone else's key.
    assertHoldsNothing(
        req -> {
          CertificateResponse r = real.request(req);
          return new CertificateResponse(
              r.spiffeId(),
              io.nodemesh.config.identity.Pem.certificates(stolen.chain()),
              r.trustBundle());
        });
    // An answer for another account.
    assertHoldsNothing(
        req ->
            real.request(
                new io.nodemesh.config.identity.CertificateRequest(
                    "kube-system", "admin", req.csr())));
    // A chain that does not lead to the roots sent along.
    assertHoldsNothing(
        req -> {
          CertificateResponse r = real.request(req);
          return new CertificateResponse(r.spiffeId(), r.chain(), other.bundle().toPem());
        });
  }

  @Test
  void publishesSecondsUntilExpiry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    store.bindTo(registry);
    store.want(Set.of("default/web"));
    store.refresh();
    move(Duration.ofHours(1));
    String scrape = registry.scrape();
    assertThat(scrape)
        .contains(
            "nodemesh_proxy_certificate_expiry_seconds{service_account=\"default/web\"} 1079") // X.509 times are whole seconds
        .contains("nodemesh_proxy_certificate_requests_total{result=\"issued\"} 1.0");
  }

  @Test
  void startRunsRoundsOnItsOwnThread() {
    store.want(Set.of("default/web"));
    store.start(Duration.ofMillis(50));
    try {
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> store.certificateFor(WEB).isPresent());
    } finally {
      store.close();
    }
  }
}
