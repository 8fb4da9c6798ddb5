package io.nodemesh.controller.identity;

import io.nodemesh.config.identity.SpiffeId;
import java.time.Duration;

/**
 * How the controller's CA runs (chart values under {@code identity}, docs/chart.md).
 *
 * @param secretName the CA Secret in the mesh namespace ({@link CaSecret})
 * @param trustDomain the SPIFFE trust domain, or null: the Secret's, or a new unique one
 * @param lifetime how long a workload certificate lives (proxies renew at half of it)
 * @param backdate how far before the moment of issue a certificate starts to be valid, so that a
 *     peer whose clock runs behind does not refuse it as not yet valid
 */
public record IdentitySettings(
    String secretName, String trustDomain, Duration lifetime, Duration backdate) {
  public static final Duration DEFAULT_LIFETIME = Duration.ofHours(4);
  public static final Duration MIN_LIFETIME = Duration.ofMinutes(10);
  public static final Duration MAX_LIFETIME = Duration.ofHours(24);
  public static final Duration DEFAULT_BACKDATE = Duration.ofMinutes(5);

  public IdentitySettings {
    if (secretName == null || secretName.isBlank()) {
      throw new IllegalArgumentException("identity: the CA Secret name must not be blank");
    }
    if (trustDomain != null && !SpiffeId.isTrustDomain(trustDomain)) {
      throw new IllegalArgumentException(
          "identity: trust domain '"
              + trustDomain
              + "' must be 1-255 characters of a-z, 0-9, '.', '-', '_'");
    }
    if (lifetime == null
        || lifetime.compareTo(MIN_LIFETIME) < 0
        || lifetime.compareTo(MAX_LIFETIME) > 0) {
      throw new IllegalArgumentException(
          "identity: certificate lifetime " + lifetime + " must be between 10m and 24h");
    }
    if (backdate == null || backdate.isNegative() || backdate.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "identity: backdate " + backdate + " must be between 0 and 1h");
    }
  }

  /** The defaults: Secret {@code nodemesh-ca}, a unique trust domain, 4 h, backdated 5 min. */
  public static IdentitySettings defaults() {
    return new IdentitySettings(CaSecret.DEFAULT_NAME, null, DEFAULT_LIFETIME, DEFAULT_BACKDATE);
  }

  public IdentitySettings withTrustDomain(String td) {
    return new IdentitySettings(secretName, td, lifetime, backdate);
  }

  public IdentitySettings withLifetime(Duration l) {
    return new IdentitySettings(secretName, trustDomain, l, backdate);
  }
}
