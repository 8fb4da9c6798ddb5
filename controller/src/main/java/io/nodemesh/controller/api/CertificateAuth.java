package io.nodemesh.controller.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may ask the CA for certificates: only the node proxies' ServiceAccount, with a token issued
 * for the CA's own audience {@link #AUDIENCE} (so a config token, which a proxy sends on every
 * poll, is not also a certificate token), and bound to a pod: the API server puts that pod's UID
 * into the TokenReview's {@code user.extra} ({@link #POD_UID}), and the CA finds the node from it.
 *
 * <p>It shares the config API's {@link TokenReviews}: a proxy asking for many certificates with one
 * token costs one TokenReview per cache period, not one per certificate.
 */
final class CertificateAuth {
  /** The audience of the proxies' second projected token (chart: the CA token volume). */
  static final String AUDIENCE = "nodemesh-ca";

  /** Where the API server names the pod a projected token is bound to (Kubernetes 1.30+). */
  static final String POD_UID = "authentication.kubernetes.io/pod-uid";

  /** A proxy's pod, or a refusal to answer as the config API does. */
  sealed interface Result {
    record Proxy(String podUid) implements Result {}

    record Refused(ProxyAuth.Outcome outcome) implements Result {}
  }

  private final TokenReviews reviews;
  private final String expectedUser;

  CertificateAuth(ProxyAuth proxies) {
    this.reviews = proxies.reviews();
    this.expectedUser = proxies.expectedUser();
  }

  String expectedUser() {
    return expectedUser;
  }

  Result check(Optional<String> authorization, String source) {
    BearerToken bearer = BearerToken.parse(authorization);
    if (bearer.token() == null) {
      return refused(new ProxyAuth.Outcome.Unauthenticated(bearer.problem()));
    }
    Optional<JwtClaims> claims = JwtClaims.decode(bearer.token());
    if (claims.isEmpty()) {
      return refused(
          new ProxyAuth.Outcome.Unauthenticated("the token is not a ServiceAccount token (a JWT)"));
    }
    if (!claims.get().hasAudience(AUDIENCE)) {
      return refused(
          new ProxyAuth.Outcome.Unauthenticated(
              "the token is issued for audiences "
                  + claims.get().audiences()
                  + ", not "
                  + AUDIENCE));
    }
    String subject = claims.get().subject();
    if (!expectedUser.equals(subject)) {
      return refused(new ProxyAuth.Outcome.Forbidden(subject == null ? "(no subject)" : subject));
    }
    return switch (reviews.review(bearer.token(), AUDIENCE, source)) {
      case TokenReviews.Result.Reviewed r -> {
        if (!expectedUser.equals(r.user().getUsername())) {
          yield refused(new ProxyAuth.Outcome.Forbidden(r.user().getUsername()));
        }
        Map<String, List<String>> extra = r.user().getExtra();
        List<String> uid = extra == null ? null : extra.get(POD_UID);
        if (uid == null || uid.size() != 1 || uid.get(0) == null || uid.get(0).isBlank()) {
          yield refused(
              new ProxyAuth.Outcome.Unauthenticated(
                  "the token is not bound to a pod (no " + POD_UID + "): use a projected token"));
        }
        yield new Result.Proxy(uid.get(0));
      }
      case TokenReviews.Result.Rejected r ->
          refused(new ProxyAuth.Outcome.Unauthenticated(r.reason()));
      case TokenReviews.Result.Throttled t -> refused(new ProxyAuth.Outcome.Throttled());
      case TokenReviews.Result.Unavailable u ->
          refused(new ProxyAuth.Outcome.Unavailable(u.reason()));
    };
  }

  private static Result refused(ProxyAuth.Outcome outcome) {
    return new Result.Refused(outcome);
  }
}
