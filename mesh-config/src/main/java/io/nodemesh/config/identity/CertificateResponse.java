package io.nodemesh.config.identity;

/**
 * The CA's answer to a {@link CertificateRequest}.
 *
 * @param spiffeId the identity the certificate carries
 * @param chain PEM: the workload certificate, then the intermediate that signed it
 * @param trustBundle PEM: the roots to trust, one, or two while roots rotate
 */
public record CertificateResponse(String spiffeId, String chain, String trustBundle) {}
