package io.nodemesh.proxy.identity;

import io.nodemesh.config.identity.SpiffeId;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fixed certificates and roots, changed only by {@link #put} and {@link #remove} (listeners run on
 * the caller's thread): for tests, and for a proxy given its certificates some other way.
 */
public final class StaticIdentities implements WorkloadIdentities {
  private final Map<SpiffeId, WorkloadCertificate> certs = new ConcurrentHashMap<>();
  private final Listeners listeners = new Listeners();
  private volatile TrustBundle bundle;

  public StaticIdentities(TrustBundle bundle) {
    this.bundle = bundle;
  }

  public void put(WorkloadCertificate cert) {
    WorkloadCertificate previous = certs.put(cert.id(), cert);
    listeners.fire(previous == null ? new Change.Added(cert) : new Change.Replaced(previous, cert));
  }

  public void remove(SpiffeId id) {
    if (certs.remove(id) != null) {
      listeners.fire(new Change.Removed(id));
    }
  }

  public void trust(TrustBundle b) {
    this.bundle = b;
    listeners.fire(new Change.TrustChanged(b));
  }

  @Override
  public Optional<WorkloadCertificate> certificateFor(SpiffeId id) {
    return Optional.ofNullable(certs.get(id));
  }

  @Override
  public TrustBundle trustBundle() {
    return bundle;
  }

  @Override
  public Optional<String> trustDomain() {
    return bundle.trustDomain().isEmpty() ? Optional.empty() : Optional.of(bundle.trustDomain());
  }

  @Override
  public Set<SpiffeId> held() {
    return Set.copyOf(certs.keySet());
  }

  @Override
  public AutoCloseable addListener(Listener listener) {
    return listeners.add(listener);
  }
}
