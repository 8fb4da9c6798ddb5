package io.nodemesh.testkit;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The API server's TokenReview and SubjectAccessReview endpoints on fabric8's mock server, answered
 * by the test: what the controller asks when it authenticates a caller (Kubernetes docs,
 * "Authenticating: webhook token authentication") and authorises it ("Authorization: checking API
 * access").
 */
public final class MockReviews {
  public static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
  public static final String ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

  private MockReviews() {}

  /** Every TokenReview from now on is answered with {@code answer} of the review asked. */
  public static void tokenReviews(
      KubernetesMockServer server,
      KubernetesClient client,
      Function<TokenReview, TokenReview> answer) {
    server
        .expect()
        .post()
        .withPath(TOKEN_REVIEWS)
        .andReply(
            201,
            req ->
                answer.apply(
                    client
                        .getKubernetesSerialization()
                        .unmarshal(req.getBody().readUtf8(), TokenReview.class)))
        .always();
  }

  /** A TokenReview answer: authenticated as {@code user}, or not authenticated when null. */
  public static TokenReview user(String user) {
    return new TokenReviewBuilder()
        .withNewStatus()
        .withAuthenticated(user != null)
        .withNewUser()
        .withUsername(user)
        .endUser()
        .endStatus()
        .build();
  }

  /**
   * A TokenReview answer with the parts a test controls: authenticated as {@code user} (not when
   * null), in {@code groups}, for {@code audiences}, with the user's {@code extra} attributes
   * (where a projected token names its Pod). A null part is left out of the answer.
   */
  public static TokenReview user(
      String user, List<String> groups, List<String> audiences, Map<String, List<String>> extra) {
    return new TokenReviewBuilder()
        .withNewStatus()
        .withAuthenticated(user != null)
        .withAudiences(audiences)
        .withNewUser()
        .withUsername(user)
        .withGroups(groups)
        .withExtra(extra)
        .endUser()
        .endStatus()
        .build();
  }

  /** Every SubjectAccessReview from now on is allowed when {@code allowed} holds for it. */
  public static void accessReviews(
      KubernetesMockServer server,
      KubernetesClient client,
      Predicate<SubjectAccessReview> allowed) {
    server
        .expect()
        .post()
        .withPath(ACCESS_REVIEWS)
        .andReply(
            201,
            req -> {
              SubjectAccessReview asked =
                  client
                      .getKubernetesSerialization()
                      .unmarshal(req.getBody().readUtf8(), SubjectAccessReview.class);
              return new SubjectAccessReviewBuilder(asked)
                  .withNewStatus()
                  .withAllowed(allowed.test(asked))
                  .endStatus()
                  .build();
            })
        .always();
  }
}
