package io.nodemesh.testkit;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Pod-bound service account tokens, as the kubelet projects them into a proxy, and the mock API
 * server's TokenReviews that accept them. The signature is not checked (the TokenReview decides),
 * so a token here is its claims with a placeholder signature.
 */
public final class PodTokens {
  /** The TokenReview user attribute that names the Pod a projected token is bound to. */
  public static final String POD_UID = "authentication.kubernetes.io/pod-uid";

  /** The user the chart's proxy ServiceAccount authenticates as. */
  public static final String PROXY = "system:serviceaccount:nodemesh:nodemesh-proxy";

  private PodTokens() {}

  /** A JWT of subject {@code sub} for {@code audience}, with a {@code node} claim unless null. */
  public static String token(String sub, String audience, String node) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String claims =
        "{\"aud\":[\""
            + audience
            + "\"],\"sub\":\""
            + sub
            + "\""
            + (node == null ? "" : ",\"node\":\"" + node + "\"")
            + "}";
    return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8))
        + ".sig";
  }

  /**
   * From now on a TokenReview of a token in {@code podOfToken} authenticates {@code user} for the
   * audiences asked, bound to the pod of that uid; any other token is not authenticated.
   */
  public static void reviews(
      KubernetesMockServer server,
      KubernetesClient client,
      String user,
      Map<String, String> podOfToken) {
    MockReviews.tokenReviews(
        server,
        client,
        asked -> {
          String uid = podOfToken.get(asked.getSpec().getToken());
          boolean ok = uid != null;
          return MockReviews.user(
              ok ? user : null,
              null,
              ok ? asked.getSpec().getAudiences() : List.of(),
              ok ? Map.of(POD_UID, List.of(uid)) : Map.of());
        });
  }
}
