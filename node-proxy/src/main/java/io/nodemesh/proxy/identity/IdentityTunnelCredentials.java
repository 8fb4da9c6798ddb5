package io.nodemesh.proxy.identity;

import io.nodemesh.config.identity.SpiffeId;
import io.nodemesh.proxy.tunnel.TunnelCredentials;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The tunnel's view of the certificates this proxy holds: reads {@link WorkloadIdentities} on each
 * call, so a rotated certificate or root is seen by the next new connection without a listener (the
 * tunnel caches its TLS contexts per leaf serial).
 *
 * <p>Before the CA's first answer there is no trust domain: then no identity is offered, and the
 * trust domain is empty, which no peer's SPIFFE ID can match, so the tunnel fails closed.
 */
public final class IdentityTunnelCredentials implements TunnelCredentials {
  private final WorkloadIdentities identities;

  public IdentityTunnelCredentials(WorkloadIdentities identities) {
    this.identities = Objects.requireNonNull(identities, "workload identities");
  }

  @Override
  public String trustDomain() {
    return identities.trustDomain().orElse("");
  }

  @Override
  public Optional<Identity> identity(String account) {
    Optional<String> td = identities.trustDomain();
    if (td.isEmpty()) {
      return Optional.empty();
    }
    SpiffeId id;
    try {
      id = SpiffeId.of(td.get(), account);
    } catch (IllegalArgumentException e) {
      // An account that is not namespace/name (the tunnel asks with names taken off SNI): none.
      return Optional.empty();
    }
    return identities.certificateFor(id).map(c -> new Identity(id.account(), c.key(), c.chain()));
  }

  @Override
  public AutoCloseable onChange(Runnable changed) {
    return identities.addListener(c -> changed.run());
  }

  @Override
  public List<X509Certificate> roots() {
    return identities.trustBundle().roots();
  }
}
