package io.nodemesh.proxy.identity;

import io.nodemesh.config.identity.SpiffeId;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A certificate this proxy holds, with its key.
 *
 * @param chain the workload certificate first, then the intermediate (never the root): what a TLS
 *     peer is sent
 */
public record WorkloadCertificate(
    SpiffeId id, PrivateKey key, List<X509Certificate> chain, Instant notBefore, Instant notAfter) {
  public WorkloadCertificate {
    Objects.requireNonNull(id, "certificate id");
    Objects.requireNonNull(key, "certificate key");
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("certificate chain of " + id + " is empty");
    }
    if (!notBefore.isBefore(notAfter)) {
      throw new IllegalArgumentException("certificate of " + id + " ends before it begins");
    }
  }

  /** From a leaf and the rest of its chain; the validity is read from the leaf. */
  public static WorkloadCertificate of(SpiffeId id, PrivateKey key, List<X509Certificate> chain) {
    X509Certificate leaf = chain.get(0);
    return new WorkloadCertificate(
        id, key, chain, leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** The chain as an array, the shape Netty's {@code SslContextBuilder.keyManager} takes. */
  public X509Certificate[] chainArray() {
    return chain.toArray(new X509Certificate[0]);
  }

  /** Time left until {@link #notAfter} (negative once expired). */
  public Duration remaining(Instant now) {
    return Duration.between(now, notAfter);
  }

  /** Half way through its validity: when it is renewed. */
  public Instant renewAt() {
    return notBefore.plus(Duration.between(notBefore, notAfter).dividedBy(2));
  }

  /** Never the key. */
  @Override
  public String toString() {
    return "WorkloadCertificate[" + id + ", " + notBefore + " .. " + notAfter + "]";
  }
}
