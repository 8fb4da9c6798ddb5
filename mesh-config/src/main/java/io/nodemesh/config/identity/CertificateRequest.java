package io.nodemesh.config.identity;

/**
 * What a node proxy sends to {@code POST /api/v1/certificates}: the ServiceAccount it wants a
 * certificate for, and a PKCS#10 request (RFC 2986) in PEM. The CA reads only the request's public
 * key and signature; the subject and extensions are ignored, the identity is the CA's to set.
 */
public record CertificateRequest(String namespace, String serviceAccount, String csr) {}
