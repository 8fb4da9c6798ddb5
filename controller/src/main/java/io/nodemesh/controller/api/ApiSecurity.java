package io.nodemesh.controller.api;

/**
 * How the controller API protects itself in a cluster.
 *
 * @param proxyServiceAccount the proxies' ServiceAccount in the mesh namespace: {@code
 *     /api/v1/config} answers only its tokens; null leaves the config open
 * @param viewers true: {@code /api/v1/explain} and {@code /api/v1/problems} answer only proxies and
 *     users granted them ({@link ViewerAuth}); needs the Kubernetes API
 * @param tls the serving certificate, or null for plain HTTP (local mode, on loopback)
 */
public record ApiSecurity(String proxyServiceAccount, boolean viewers, ApiTls tls) {
  public ApiSecurity {
    if (proxyServiceAccount != null && proxyServiceAccount.isBlank()) {
      throw new IllegalArgumentException("ApiSecurity.proxyServiceAccount must not be blank");
    }
  }

  /** Open and plain: local mode. */
  public static ApiSecurity open() {
    return new ApiSecurity(null, false, null);
  }
}
