package io.nodemesh.controller.api;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Decides whether a request to the config API comes from a node proxy: its {@code Authorization:
 * Bearer} token must be a projected ServiceAccount token that the API server (a TokenReview, with
 * {@link #AUDIENCE}) accepts for exactly {@code system:serviceaccount:<namespace>:<account>}.
 *
 * <p>Before any review, the token's unverified {@code aud} and {@code sub} claims ({@link
 * JwtClaims}) must already say so: anything else is refused without asking the API server. Reviews
 * go through {@link TokenReviews} (cached by digest both ways, limited per source, audience checked
 * in the answer).
 */
public final class ProxyAuth {
  /** The audience proxies' projected tokens are issued for, and the TokenReview asks for. */
  public static final String AUDIENCE = "nodemesh";

  public static final Duration CACHE_TTL = TokenReviews.POSITIVE_TTL;

  /** The outcome of one check. */
  public sealed interface Outcome {
    /** The request may go on. */
    record Allowed(String user) implements Outcome {}

    /** No token, or one the API server does not accept: 401. */
    record Unauthenticated(String reason) implements Outcome {}

    /** A valid token of someone without the right: 403. */
    record Forbidden(String user) implements Outcome {}

    /** This source caused too many TokenReviews lately: 429, try again later. */
    record Throttled() implements Outcome {}

    /** The TokenReview could not be made: 503, the proxy retries and keeps its config. */
    record Unavailable(String reason) implements Outcome {}
  }

  private final TokenReviews reviews;
  private final String expectedUser;
  private final String serviceAccount;

  public ProxyAuth(KubernetesClient client, String namespace, String serviceAccount) {
    this(client, namespace, serviceAccount, System::nanoTime);
  }

  ProxyAuth(
      KubernetesClient client, String namespace, String serviceAccount, LongSupplier nanoClock) {
    this(new TokenReviews(client, nanoClock), namespace, serviceAccount);
  }

  ProxyAuth(TokenReviews reviews, String namespace, String serviceAccount) {
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("ProxyAuth.namespace must not be blank");
    }
    if (serviceAccount == null || serviceAccount.isBlank()) {
      throw new IllegalArgumentException("ProxyAuth.serviceAccount must not be blank");
    }
    this.reviews = reviews;
    this.expectedUser = "system:serviceaccount:" + namespace + ":" + serviceAccount;
    this.serviceAccount = serviceAccount;
  }

  /** The proxies' ServiceAccount (in the mesh namespace). */
  public String serviceAccount() {
    return serviceAccount;
  }

  /** The only user allowed to read the config. */
  public String expectedUser() {
    return expectedUser;
  }

  TokenReviews reviews() {
    return reviews;
  }

  /** Checks the value of an {@code Authorization} header (empty when absent). */
  public Outcome check(Optional<String> authorization) {
    return check(authorization, "unknown");
  }

  /** As above, for a request from {@code source} (its address: the rate limit's key). */
  public Outcome check(Optional<String> authorization, String source) {
    BearerToken bearer = BearerToken.parse(authorization);
    if (bearer.token() == null) {
      return new Outcome.Unauthenticated(bearer.problem());
    }
    return check(bearer.token(), JwtClaims.decode(bearer.token()), source);
  }

  /** Checks a token whose claims the caller already decoded. */
  Outcome check(String token, Optional<JwtClaims> claims, String source) {
    if (claims.isEmpty()) {
      return new Outcome.Unauthenticated("the token is not a ServiceAccount token (a JWT)");
    }
    if (!claims.get().hasAudience(AUDIENCE)) {
      return new Outcome.Unauthenticated(
          "the token is issued for audiences " + claims.get().audiences() + ", not " + AUDIENCE);
    }
    String subject = claims.get().subject();
    if (!expectedUser.equals(subject)) {
      // An unverified claim, so it only ever refuses; a forged subject gets no further.
      return new Outcome.Forbidden(subject == null ? "(no subject)" : subject);
    }
    return switch (reviews.review(token, AUDIENCE, source)) {
      case TokenReviews.Result.Reviewed r ->
          expectedUser.equals(r.user().getUsername())
              ? new Outcome.Allowed(expectedUser)
              : new Outcome.Forbidden(r.user().getUsername());
      case TokenReviews.Result.Rejected r -> new Outcome.Unauthenticated(r.reason());
      case TokenReviews.Result.Throttled t -> new Outcome.Throttled();
      case TokenReviews.Result.Unavailable u -> new Outcome.Unavailable(u.reason());
    };
  }
}
