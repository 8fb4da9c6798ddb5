package io.nodemesh.proxy.identity;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.nodemesh.config.identity.CertificateRequest;
import io.nodemesh.config.identity.CertificateResponse;
import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.Pem;
import io.nodemesh.config.identity.SpiffeId;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The proxy's certificates, kept in memory only: for each ServiceAccount it is told has pods on
 * this node ({@link #want}), a fresh P-256 key, a PKCS#10 request to the CA, and the answer checked
 * (its key is ours, its chain verifies up to the roots it came with, its SPIFFE ID is the one asked
 * for). Renewed at half life with a new key; dropped when no longer wanted or expired; a failed
 * request is retried with backoff (1 s doubling to 60 s) while the old certificate serves on.
 *
 * <p>{@link #refresh} does one round; {@link #start} runs it every few seconds on its own thread,
 * which is also the thread listeners are called on. The clock is injectable, so tests move it.
 */
public final class CertificateStore implements WorkloadIdentities, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(CertificateStore.class.getName());
  static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

  private record Retry(Instant at, Duration backoff) {}

  private final CertificateSource source;
  private final InstantSource clock;
  private final Map<String, WorkloadCertificate> held = new ConcurrentHashMap<>();
  private final Map<String, Retry> retries = new HashMap<>();
  private final Listeners listeners = new Listeners();
  private volatile Set<String> wanted = Set.of();
  private volatile TrustBundle bundle = TrustBundle.empty();
  private ScheduledExecutorService timer;
  private Counter issued;
  private Counter failed;
  private MultiGauge expiry;

  public CertificateStore(CertificateSource source, InstantSource clock) {
    this.source = Objects.requireNonNull(source, "certificate source");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The ServiceAccounts ({@code namespace/name}) with pods on this node: certificates are kept for
   * these and only these, from the next round on.
   */
  public void want(Set<String> accounts) {
    wanted = Set.copyOf(accounts);
    ScheduledExecutorService t = timer;
    if (t != null) {
      t.execute(this::refreshQuietly);
    }
  }

  /** Runs {@link #refresh} every {@code period} on a thread of its own. */
  public synchronized void start(Duration period) {
    if (timer != null) {
      return;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "nodemesh-certificates");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::refreshQuietly, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Registers the certificate metrics (docs/metrics.md). */
  public void bindTo(MeterRegistry registry) {
    issued =
        Counter.builder("nodemesh.proxy.certificate.requests")
            .description("certificate requests to the controller's CA, by result")
            .tag("result", "issued")
            .register(registry);
    failed =
        Counter.builder("nodemesh.proxy.certificate.requests")
            .description("certificate requests to the controller's CA, by result")
            .tag("result", "failed")
            .register(registry);
    expiry =
        MultiGauge.builder("nodemesh.proxy.certificate.expiry")
            .baseUnit("seconds")
            .description("seconds until each held workload certificate expires")
            .register(registry);
    publishExpiry();
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "certificate refresh failed", e);
    }
  }

  /** One round: drop what is unwanted or expired, ask for what is missing or past half life. */
  public synchronized void refresh() {
    Instant now = clock.instant();
    Set<String> want = wanted;
    for (String account : new ArrayList<>(held.keySet())) {
      WorkloadCertificate c = held.get(account);
      if (!want.contains(account) || !now.isBefore(c.notAfter())) {
        held.remove(account);
        retries.remove(account);
        listeners.fire(new Change.Removed(c.id()));
      }
    }
    retries.keySet().retainAll(want);
    for (String account : want) {
      WorkloadCertificate current = held.get(account);
      if (current != null && now.isBefore(current.renewAt())) {
        continue;
      }
      Retry retry = retries.get(account);
      if (retry != null && now.isBefore(retry.at())) {
        continue;
      }
      try {
        WorkloadCertificate fresh = obtain(account, now);
        retries.remove(account);
        count(issued);
        WorkloadCertificate previous = held.put(account, fresh);
        listeners.fire(
            previous == null ? new Change.Added(fresh) : new Change.Replaced(previous, fresh));
      } catch (IOException | CertificateException | IllegalArgumentException e) {
        count(failed);
        Duration backoff =
            retry == null
                ? MIN_BACKOFF
                : retry.backoff().multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                    ? MAX_BACKOFF
                    : retry.backoff().multipliedBy(2);
        retries.put(account, new Retry(now.plus(backoff), backoff));
        LOG.log(
            Level.WARNING,
            "no certificate for {0} (retry in {1} s): {2}",
            account,
            backoff.toSeconds(),
            e.getMessage());
      }
    }
    publishExpiry();
  }

  /** Makes a key, asks the CA, checks the answer. */
  private WorkloadCertificate obtain(String account, Instant now)
      throws IOException, CertificateException {
    int slash = account.indexOf('/');
    if (slash <= 0) {
      throw new IllegalArgumentException("service account '" + account + "' is not ns/name");
    }
    KeyPair key = EcKeys.generate();
    CertificateResponse answer =
        source.request(
            new CertificateRequest(
                account.substring(0, slash), account.substring(slash + 1), csr(key)));
    SpiffeId id = SpiffeId.parse(answer.spiffeId());
    if (!id.account().equals(account)) {
      throw new CertificateException("the CA answered " + id + " for " + account);
    }
    List<X509Certificate> chain = Pem.readCertificates(answer.chain());
    if (!chain.get(0).getPublicKey().equals(key.getPublic())) {
      throw new CertificateException("the CA's certificate for " + id + " is not on our key");
    }
    TrustBundle roots = TrustBundle.parsePem(id.trustDomain(), answer.trustBundle());
    SpiffeId verified = PeerVerifier.verify(chain, roots, now);
    if (!verified.equals(id)) {
      throw new CertificateException("the CA's certificate names " + verified + ", not " + id);
    }
    if (!roots.equals(bundle)) {
      bundle = roots;
      listeners.fire(new Change.TrustChanged(roots));
    }
    return WorkloadCertificate.of(id, key.getPrivate(), chain);
  }

  /** A PKCS#10 request (RFC 2986) on {@code key}; the CA ignores its subject. */
  static String csr(KeyPair key) {
    try {
      byte[] der =
          new JcaPKCS10CertificationRequestBuilder(new X500Name("O=nodemesh"), key.getPublic())
              .build(new JcaContentSignerBuilder(EcKeys.SIGNATURE).build(key.getPrivate()))
              .getEncoded();
      return Pem.encode("CERTIFICATE REQUEST", der);
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot build a certificate request", e);
    }
  }

  private void publishExpiry() {
    MultiGauge g = expiry;
    if (g == null) {
      return;
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (String account : held.keySet()) {
      rows.add(
          MultiGauge.Row.of(
              Tags.of("service_account", account), this, s -> s.secondsLeft(account)));
    }
    g.register(rows, true);
  }

  /** Seconds until the certificate of {@code account} expires; 0 when none is held. */
  double secondsLeft(String account) {
    WorkloadCertificate c = held.get(account);
    return c == null ? 0 : Math.max(0, c.remaining(clock.instant()).toMillis() / 1000.0);
  }

  private static void count(Counter c) {
    if (c != null) {
      c.increment();
    }
  }

  @Override
  public Optional<WorkloadCertificate> certificateFor(SpiffeId id) {
    WorkloadCertificate c = held.get(id.account());
    if (c == null || !c.id().equals(id) || !clock.instant().isBefore(c.notAfter())) {
      return Optional.empty();
    }
    return Optional.of(c);
  }

  @Override
  public TrustBundle trustBundle() {
    return bundle;
  }

  @Override
  public Optional<String> trustDomain() {
    TrustBundle b = bundle;
    return b.trustDomain().isEmpty() ? Optional.empty() : Optional.of(b.trustDomain());
  }

  @Override
  public Set<SpiffeId> held() {
    Set<SpiffeId> ids = new HashSet<>();
    held.values().forEach(c -> ids.add(c.id()));
    return Set.copyOf(ids);
  }

  @Override
  public AutoCloseable addListener(Listener listener) {
    return listeners.add(listener);
  }

  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
  }
}
