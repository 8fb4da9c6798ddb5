package io.nodemesh.proxy.identity;

import io.nodemesh.config.identity.SpiffeId;
import java.util.Optional;
import java.util.Set;

/**
 * What a node proxy holds: certificates for the ServiceAccounts with pods on its node, and the
 * roots to check peers with. Thread-safe; what the tunnel codes against (/work CONTRACT-identity,
 * docs/security.md "Workload identity").
 */
public interface WorkloadIdentities {
  /** The current certificate of {@code id}; empty when none is held (or it has expired). */
  Optional<WorkloadCertificate> certificateFor(SpiffeId id);

  /** The roots to verify peers with: one, two while roots rotate. Empty before the first answer. */
  TrustBundle trustBundle();

  /** This mesh's trust domain; empty before the first answer from the CA. */
  Optional<String> trustDomain();

  /** Every identity held now. */
  Set<SpiffeId> held();

  /**
   * Calls {@code listener} after each change, on an internal thread (never an event loop's).
   *
   * @return closing it removes the listener
   */
  AutoCloseable addListener(Listener listener);

  /** Told about each change. */
  @FunctionalInterface
  interface Listener {
    void changed(Change change);
  }

  /**
   * What changed. A rotated certificate is {@link Replaced}: connections made with the previous one
   * may go on until their maximum age, which must not pass the previous certificate's end.
   */
  sealed interface Change {
    record Added(WorkloadCertificate certificate) implements Change {}

    record Replaced(WorkloadCertificate previous, WorkloadCertificate current) implements Change {}

    record Removed(SpiffeId id) implements Change {}

    record TrustChanged(TrustBundle bundle) implements Change {}
  }
}
