package io.nodemesh.controller.api;

import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Decides who may read {@code /api/v1/explain} and {@code /api/v1/problems} in a cluster: they map
 * the mesh (pod IPs, endpoints, who may call whom), so only the node proxies and users granted
 * {@code get} on {@code explanations} or {@code problems} in API group {@value #GROUP} may; and
 * {@code /api/v1/summary} ({@link SummaryApi}, for {@code nodemesh check}) likewise, with {@code
 * summaries}.
 *
 * <ul>
 *   <li>A token issued for {@link ProxyAuth#AUDIENCE} is a proxy's: {@link ProxyAuth} decides.
 *   <li>Any other token is a person's kubeconfig token: a TokenReview for the API server's own
 *       audiences says who it is, then a SubjectAccessReview whether that user (with their groups)
 *       may {@value #VERB} the resource. The chart's ClusterRole {@code nodemesh-viewer} grants
 *       both (docs/rbac.md).
 * </ul>
 *
 * Both reviews are cached by the token's digest, 60 s when they allow and 10 s when they refuse.
 */
public final class ViewerAuth {
  private static final System.Logger LOG = System.getLogger(ViewerAuth.class.getName());

  /** The API group of the resources a SubjectAccessReview asks about. */
  public static final String GROUP = "nodemesh.io";

  public static final String VERB = "get";

  /** The resource that guards {@code /api/v1/explain}. */
  public static final String EXPLANATIONS = "explanations";

  /** The resource that guards {@code /api/v1/problems}. */
  public static final String PROBLEMS = "problems";

  /** The resource that guards {@code /api/v1/summary} ({@link SummaryApi}). */
  public static final String SUMMARIES = "summaries";

  /**
   * The resource that guards {@code /api/v1/traffic} ({@link TrafficApi}, the {@code /ui} page).
   */
  public static final String TRAFFIC = "traffic";

  /**
   * The resource that guards {@code /api/v1/tap} ({@link TapApi}), with verb {@value #TAP_VERB}:
   * taps show live paths and identities, so the chart's {@code nodemesh-viewer} does not grant it.
   */
  public static final String TAPS = "taps";

  public static final String TAP_VERB = "create";

  private static final int MAX_CACHED = 10_000;

  private record Cached(ProxyAuth.Outcome outcome, long until) {}

  private final TokenReviews reviews;
  private final ProxyAuth proxies;
  private final LongSupplier clock;
  private final Map<String, Cached> decisions = new ConcurrentHashMap<>();

  /**
   * @param proxies how proxy tokens are checked; null when the controller knows no proxy account
   *     (then every caller needs the grant)
   */
  public ViewerAuth(io.fabric8.kubernetes.client.KubernetesClient client, ProxyAuth proxies) {
    this(
        proxies != null ? proxies.reviews() : new TokenReviews(client, System::nanoTime),
        proxies,
        System::nanoTime);
  }

  ViewerAuth(TokenReviews reviews, ProxyAuth proxies, LongSupplier clock) {
    this.reviews = reviews;
    this.proxies = proxies;
    this.clock = clock;
  }

  TokenReviews reviews() {
    return reviews;
  }

  /**
   * Checks a request for {@code resource} ({@link #EXPLANATIONS} or {@link #PROBLEMS}) from {@code
   * source}, given its {@code Authorization} header.
   */
  public ProxyAuth.Outcome check(Optional<String> authorization, String source, String resource) {
    return check(authorization, source, resource, VERB, true);
  }

  /**
   * Checks a request to open a tap: users granted {@value #TAP_VERB} on {@value #TAPS} only; a
   * proxy's token is refused (a proxy never taps another node).
   */
  public ProxyAuth.Outcome checkTap(Optional<String> authorization, String source) {
    return check(authorization, source, TAPS, TAP_VERB, false);
  }

  private ProxyAuth.Outcome check(
      Optional<String> authorization,
      String source,
      String resource,
      String verb,
      boolean proxiesToo) {
    BearerToken bearer = BearerToken.parse(authorization);
    if (bearer.token() == null) {
      return new ProxyAuth.Outcome.Unauthenticated(bearer.problem());
    }
    String token = bearer.token();
    Optional<JwtClaims> claims = JwtClaims.decode(token);
    if (claims.isPresent() && claims.get().hasAudience(ProxyAuth.AUDIENCE)) {
      // A token minted for the mesh is a proxy's or nobody's: a person's kubeconfig token is
      // issued for the API server. Decided without a review when its claims are wrong.
      return proxies != null && proxiesToo
          ? proxies.check(token, claims, source)
          : new ProxyAuth.Outcome.Forbidden(
              claims.get().subject() == null ? "(no subject)" : claims.get().subject());
    }
    return switch (reviews.review(token, null, source)) {
      case TokenReviews.Result.Reviewed r ->
          authorize(
              TokenReviews.digest(token) + " " + verb + " " + resource, r.user(), resource, verb);
      case TokenReviews.Result.Rejected r -> new ProxyAuth.Outcome.Unauthenticated(r.reason());
      case TokenReviews.Result.Throttled t -> new ProxyAuth.Outcome.Throttled();
      case TokenReviews.Result.Unavailable u -> new ProxyAuth.Outcome.Unavailable(u.reason());
    };
  }

  private ProxyAuth.Outcome authorize(String key, UserInfo user, String resource, String verb) {
    long now = clock.getAsLong();
    Cached c = decisions.get(key);
    if (c != null && now - c.until() < 0) {
      return c.outcome();
    }
    SubjectAccessReview answer;
    try {
      answer =
          reviews
              .client()
              .authorization()
              .v1()
              .subjectAccessReview()
              .create(
                  new SubjectAccessReviewBuilder()
                      .withNewSpec()
                      .withUser(user.getUsername())
                      .withUid(user.getUid())
                      .withGroups(user.getGroups())
                      .withExtra(user.getExtra())
                      .withNewResourceAttributes()
                      .withGroup(GROUP)
                      .withResource(resource)
                      .withVerb(verb)
                      .endResourceAttributes()
                      .endSpec()
                      .build());
    } catch (KubernetesClientException e) {
      LOG.log(Level.WARNING, "SubjectAccessReview failed: {0}", e.getMessage());
      return new ProxyAuth.Outcome.Unavailable(
          "cannot review the access of " + user.getUsername() + ": HTTP " + e.getCode());
    }
    boolean allowed =
        answer != null
            && answer.getStatus() != null
            && Boolean.TRUE.equals(answer.getStatus().getAllowed())
            && !Boolean.TRUE.equals(answer.getStatus().getDenied());
    ProxyAuth.Outcome outcome =
        allowed
            ? new ProxyAuth.Outcome.Allowed(user.getUsername())
            : new ProxyAuth.Outcome.Forbidden(user.getUsername());
    Duration ttl = allowed ? TokenReviews.POSITIVE_TTL : TokenReviews.NEGATIVE_TTL;
    if (decisions.size() >= MAX_CACHED) {
      decisions.clear();
    }
    decisions.put(key, new Cached(outcome, now + ttl.toNanos()));
    return outcome;
  }

  /** The rule a 403 names, for the caller to ask an administrator for. */
  static String rule(String resource) {
    return (TAPS.equals(resource) ? TAP_VERB : VERB) + " " + resource + "." + GROUP;
  }
}
