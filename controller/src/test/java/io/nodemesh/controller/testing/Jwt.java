package io.nodemesh.controller.testing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Tokens shaped like Kubernetes projected ServiceAccount tokens (a compact JWS with {@code aud} and
 * {@code sub}) with a fake signature: the controller reads their claims unverified and leaves the
 * verdict to the (mock) TokenReview.
 */
public final class Jwt {
  private Jwt() {}

  public static String token(String audience, String subject, String nonce) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header =
        b64.encodeToString("{\"alg\":\"RS256\",\"kid\":\"k\"}".getBytes(StandardCharsets.UTF_8));
    String payload =
        b64.encodeToString(
            ("{\"aud\":[\""
                    + audience
                    + "\"],\"sub\":\""
                    + subject
                    + "\",\"jti\":\""
                    + nonce
                    + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    return header
        + "."
        + payload
        + "."
        + b64.encodeToString(nonce.getBytes(StandardCharsets.UTF_8));
  }

  /** A proxy's token: audience {@code nodemesh}, the chart's proxy ServiceAccount. */
  public static String proxy(String nonce) {
    return token("nodemesh", "system:serviceaccount:nodemesh:nodemesh-proxy", nonce);
  }
}
