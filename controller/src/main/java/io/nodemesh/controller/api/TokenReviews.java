package io.nodemesh.controller.api;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * TokenReviews (Kubernetes {@code authentication.k8s.io/v1}) with the guards that keep a caller
 * from making the controller amplify its requests onto the API server:
 *
 * <ul>
 *   <li>a positive answer is kept {@link #POSITIVE_TTL}, a negative one {@link #NEGATIVE_TTL}, both
 *       by the token's SHA-256 digest (the token itself is never stored);
 *   <li>a review not answered from the cache draws from its source's {@link SourceLimiter} bucket;
 *   <li>when an audience is asked for, the answer's {@code status.audiences} must contain it (the
 *       TokenReview API says an authenticator that does not support audiences may ignore {@code
 *       spec.audiences}, and then the token was not checked for ours).
 * </ul>
 */
final class TokenReviews {
  private static final System.Logger LOG = System.getLogger(TokenReviews.class.getName());

  static final Duration POSITIVE_TTL = Duration.ofSeconds(60);

  /** Short, so that a token fixed (or a grant added) works again soon. */
  static final Duration NEGATIVE_TTL = Duration.ofSeconds(10);

  /** How long one TokenReview may take before the request is answered 503. */
  static final Duration REVIEW_TIMEOUT = Duration.ofSeconds(5);

  private static final int MAX_CACHED = 10_000;

  /** The answer about one token. */
  sealed interface Result {
    /** The API server vouches for the token: it belongs to {@code user}. */
    record Reviewed(UserInfo user) implements Result {}

    /** The API server does not accept the token (or not for our audience). */
    record Rejected(String reason) implements Result {}

    /** This source has caused too many reviews lately. */
    record Throttled() implements Result {}

    /** The review could not be made. */
    record Unavailable(String reason) implements Result {}
  }

  private record Cached(Result result, long until) {}

  private final KubernetesClient client;
  private final LongSupplier clock;
  private final SourceLimiter limiter;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  private final AtomicLong sent = new AtomicLong();

  TokenReviews(KubernetesClient client, LongSupplier clock) {
    Objects.requireNonNull(client, "TokenReviews.client");
    // The client's default retries a 5xx answer for about 100 s with backoff, and all that time
    // the caller would hang instead of getting its 503 and retrying on its own.
    this.client =
        client
            .newClient(
                new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                    .withRequestRetryBackoffLimit(0)
                    .withRequestTimeout((int) REVIEW_TIMEOUT.toMillis())
                    .build())
            .adapt(KubernetesClient.class);
    this.clock = clock;
    this.limiter = new SourceLimiter(clock);
  }

  /** The client the reviews are made with (no retries, short timeout). */
  KubernetesClient client() {
    return client;
  }

  /**
   * Reviews {@code token} for {@code audience}, or for the API server's own audiences when null (a
   * kubeconfig token), on behalf of a request from {@code source}.
   */
  Result review(String token, String audience, String source) {
    String key = digest(token) + (audience == null ? "" : " " + audience);
    long now = clock.getAsLong();
    Cached c = cache.get(key);
    if (c != null && now - c.until() < 0) {
      return c.result();
    }
    if (!limiter.tryAcquire(source)) {
      return new Result.Throttled();
    }
    sent.incrementAndGet();
    TokenReview review;
    try {
      var spec = new TokenReviewBuilder().withNewSpec().withToken(token);
      if (audience != null) {
        spec.withAudiences(List.of(audience));
      }
      review = client.authentication().v1().tokenReviews().create(spec.endSpec().build());
    } catch (KubernetesClientException e) {
      LOG.log(Level.WARNING, "TokenReview failed: {0}", e.getMessage());
      return new Result.Unavailable("cannot review the token: HTTP " + e.getCode());
    }
    Result result = judge(review, audience);
    remember(key, result, now);
    return result;
  }

  private static Result judge(TokenReview review, String audience) {
    if (review == null
        || review.getStatus() == null
        || !Boolean.TRUE.equals(review.getStatus().getAuthenticated())) {
      String error =
          review == null || review.getStatus() == null ? null : review.getStatus().getError();
      return new Result.Rejected(
          "token not accepted by the API server" + (error == null ? "" : ": " + error));
    }
    List<String> audiences = review.getStatus().getAudiences();
    if (audience != null && (audiences == null || !audiences.contains(audience))) {
      return new Result.Rejected(
          "the API server accepted the token for audiences "
              + (audiences == null ? "[]" : audiences)
              + ", not for "
              + audience);
    }
    UserInfo user = review.getStatus().getUser();
    if (user == null || user.getUsername() == null || user.getUsername().isBlank()) {
      return new Result.Rejected("the API server accepted the token but named no user");
    }
    return new Result.Reviewed(user);
  }

  private void remember(String key, Result result, long now) {
    Duration ttl =
        switch (result) {
          case Result.Reviewed r -> POSITIVE_TTL;
          case Result.Rejected r -> NEGATIVE_TTL;
          case Result.Throttled t -> null;
          case Result.Unavailable u -> null;
        };
    if (ttl == null) {
      return;
    }
    if (cache.size() >= MAX_CACHED) {
      cache.values().removeIf(c -> now - c.until() >= 0);
      if (cache.size() >= MAX_CACHED) {
        // Many live tokens at once: forget everything rather than grow without bound.
        cache.clear();
      }
    }
    cache.put(key, new Cached(result, now + ttl.toNanos()));
  }

  /** TokenReviews sent to the API server so far. */
  long sent() {
    return sent.get();
  }

  static String digest(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
