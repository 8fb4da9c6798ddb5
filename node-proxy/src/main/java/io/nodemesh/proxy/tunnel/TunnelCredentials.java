package io.nodemesh.proxy.tunnel;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The certificates a node proxy holds for its node's service accounts, and the roots it trusts. The
 * identity authority (controller CA, CSR, store with rotation) implements it; tests feed it
 * certificates they mint. Implementations are thread-safe.
 */
public interface TunnelCredentials {
  /** This mesh's SPIFFE trust domain. */
  String trustDomain();

  /** The current certificate of {@code account} ({@code namespace/name}), or empty. */
  Optional<Identity> identity(String account);

  /** The trust anchors peers are verified against (one root, two while roots rotate). */
  List<X509Certificate> roots();

  /**
   * Calls {@code changed} after certificates or roots change (off the event loops), so that the
   * tunnel makes its TLS contexts then rather than on the next connection. None by default.
   *
   * @return closing it stops the calls
   */
  default AutoCloseable onChange(Runnable changed) {
    return () -> {};
  }

  /**
   * A workload's key and certificate chain.
   *
   * @param account {@code namespace/name}
   * @param key the private key
   * @param chain leaf first, then intermediates (never the root)
   */
  record Identity(String account, PrivateKey key, List<X509Certificate> chain) {
    public Identity {
      Objects.requireNonNull(account, "identity account");
      Objects.requireNonNull(key, "identity key");
      chain = List.copyOf(chain);
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("identity " + account + ": empty chain");
      }
    }

    public X509Certificate leaf() {
      return chain.get(0);
    }

    public Instant notAfter() {
      return leaf().getNotAfter().toInstant();
    }
  }
}
