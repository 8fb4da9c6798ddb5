package io.nodemesh.proxy.identity;

import io.nodemesh.config.identity.CertificateRequest;
import io.nodemesh.config.identity.CertificateResponse;
import java.io.IOException;

/** Where certificates come from: the controller's CA ({@link CertificateClient}). */
@FunctionalInterface
public interface CertificateSource {
  /**
   * Asks for one certificate.
   *
   * @throws IOException when there is no answer, or the answer is a refusal (its message says why)
   */
  CertificateResponse request(CertificateRequest request) throws IOException;
}
