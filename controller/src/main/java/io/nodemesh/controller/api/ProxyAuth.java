package io.nodemesh.controller.api;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
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
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Decides whether a request to the config API comes from a node proxy: its {@code Authorization:
 * Bearer} token must be a projected ServiceAccount token that the API server (a TokenReview, with
 * {@link #AUDIENCE}) accepts for exactly {@code system:serviceaccount:<namespace>:<account>}.
 *
 * <p>Positive answers are cached per token for {@link #CACHE_TTL}, so a proxy's long poll costs the
 * API server about one review a minute; negative answers are not cached, so a fixed token works at
 * once. Tokens are kept only as SHA-256 digests.
 */
public final class ProxyAuth {
  private static final System.Logger LOG = System.getLogger(ProxyAuth.class.getName());

  /** The audience proxies' projected tokens are issued for, and the TokenReview asks for. */
  public static final String AUDIENCE = "nodemesh";

  public static final Duration CACHE_TTL = Duration.ofSeconds(60);

  /** How long one TokenReview may take before the request is answered 503. */
  static final Duration REVIEW_TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_CACHED = 10_000;

  /** The outcome of one check. */
  public sealed interface Outcome {
    /** The request may read the config. */
    record Allowed(String user) implements Outcome {}

    /** No token, or one the API server does not accept: 401. */
    record Unauthenticated(String reason) implements Outcome {}

    /** A valid token of someone other than the proxies: 403. */
    record Forbidden(String user) implements Outcome {}

    /** The TokenReview could not be made: 503, the proxy retries and keeps its config. */
    record Unavailable(String reason) implements Outcome {}
  }

  private final KubernetesClient client;
  private final String expectedUser;
  private final LongSupplier nanoClock;
  private final Map<String, Long> allowedUntil = new ConcurrentHashMap<>();

  public ProxyAuth(KubernetesClient client, String namespace, String serviceAccount) {
    this(client, namespace, serviceAccount, System::nanoTime);
  }

  ProxyAuth(
      KubernetesClient client, String namespace, String serviceAccount, LongSupplier nanoClock) {
    Objects.requireNonNull(client, "ProxyAuth.client");
    // The client's default retries a 5xx answer for about 100 s with backoff, and all that time
    // the proxy's request would hang instead of getting its 503 and retrying on its own.
    this.client =
        client
            .newClient(
                new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                    .withRequestRetryBackoffLimit(0)
                    .withRequestTimeout((int) REVIEW_TIMEOUT.toMillis())
                    .build())
            .adapt(KubernetesClient.class);
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("ProxyAuth.namespace must not be blank");
    }
    if (serviceAccount == null || serviceAccount.isBlank()) {
      throw new IllegalArgumentException("ProxyAuth.serviceAccount must not be blank");
    }
    this.expectedUser = "system:serviceaccount:" + namespace + ":" + serviceAccount;
    this.nanoClock = nanoClock;
  }

  /** The only user allowed to read the config. */
  public String expectedUser() {
    return expectedUser;
  }

  /** Checks the value of an {@code Authorization} header (empty when absent). */
  public Outcome check(Optional<String> authorization) {
    if (authorization.isEmpty()) {
      return new Outcome.Unauthenticated("no Authorization header; proxies send a Bearer token");
    }
    String value = authorization.get().trim();
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return new Outcome.Unauthenticated("Authorization is not a Bearer token");
    }
    String token = value.substring(7).trim();
    if (token.isEmpty()) {
      return new Outcome.Unauthenticated("empty Bearer token");
    }
    String key = digest(token);
    long now = nanoClock.getAsLong();
    Long until = allowedUntil.get(key);
    if (until != null && now - until < 0) {
      return new Outcome.Allowed(expectedUser);
    }
    TokenReview review;
    try {
      review =
          client
              .authentication()
              .v1()
              .tokenReviews()
              .create(
                  new TokenReviewBuilder()
                      .withNewSpec()
                      .withToken(token)
                      .withAudiences(List.of(AUDIENCE))
                      .endSpec()
                      .build());
    } catch (KubernetesClientException e) {
      LOG.log(Level.WARNING, "TokenReview failed: {0}", e.getMessage());
      return new Outcome.Unavailable("cannot review the token: HTTP " + e.getCode());
    }
    if (review == null
        || review.getStatus() == null
        || !Boolean.TRUE.equals(review.getStatus().getAuthenticated())) {
      allowedUntil.remove(key);
      String error =
          review == null || review.getStatus() == null ? null : review.getStatus().getError();
      return new Outcome.Unauthenticated(
          "token not accepted by the API server" + (error == null ? "" : ": " + error));
    }
    String user =
        review.getStatus().getUser() == null ? null : review.getStatus().getUser().getUsername();
    if (!expectedUser.equals(user)) {
      return new Outcome.Forbidden(user == null ? "(no user)" : user);
    }
    if (allowedUntil.size() >= MAX_CACHED) {
      // Many proxies rotating tokens: forget everything rather than grow without bound.
      allowedUntil.clear();
    }
    allowedUntil.put(key, now + CACHE_TTL.toNanos());
    return new Outcome.Allowed(user);
  }

  private static String digest(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
