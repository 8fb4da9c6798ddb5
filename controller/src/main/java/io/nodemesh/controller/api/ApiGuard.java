package io.nodemesh.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.wire.ConfigWire;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Turns an authentication {@link ProxyAuth.Outcome} into the answer: 401 with {@code
 * WWW-Authenticate} (RFC 6750 section 3), 403, 429 with {@code Retry-After} (RFC 6585 section 4),
 * or 503; counts each refusal. The one place the API says no to a caller.
 */
final class ApiGuard {
  /**
   * Where {@code nodemesh explain --via-api-server} puts the user's token: the API server's service
   * proxy consumes {@code Authorization} (it authenticates the user, then drops the header).
   */
  static final HeaderName FORWARDED_AUTHORIZATION =
      HeaderNames.create(ConfigWire.FORWARDED_AUTHORIZATION_HEADER);

  private ApiGuard() {}

  /** The {@code Authorization} header, else {@link #FORWARDED_AUTHORIZATION}. */
  static Optional<String> authorization(ServerRequest req) {
    Optional<String> direct = req.headers().first(HeaderNames.AUTHORIZATION);
    return direct.isPresent() ? direct : req.headers().first(FORWARDED_AUTHORIZATION);
  }

  /** The caller's address: the key of the per-source review limit. */
  static String source(ServerRequest req) {
    return String.valueOf(req.remotePeer().host());
  }

  /**
   * True when the caller may use a proxy endpoint: the proxy ServiceAccount check is off ({@code
   * auth} null) or admits it. Otherwise the refusal is answered and counted, and false returned.
   *
   * @param action what the caller may not do, for the 403 ("read the config")
   */
  static boolean proxyAdmitted(
      ProxyAuth auth,
      ServerRequest req,
      ServerResponse res,
      PrometheusMeterRegistry registry,
      String action) {
    return auth == null
        || admit(
            auth.check(authorization(req), source(req)),
            res,
            registry,
            "nodemesh.controller.config.auth.refused",
            " may not " + action + "; only " + auth.expectedUser());
  }

  /**
   * True when the caller may read a viewer endpoint: viewer checks are off ({@code viewers} null)
   * or RBAC grants it {@code resource}. Otherwise the refusal is answered and counted (tagged with
   * {@code endpoint}), and false returned.
   *
   * @param action what the caller may not do, for the 403 ("read traffic")
   */
  static boolean viewerAdmitted(
      ViewerAuth viewers,
      String resource,
      ServerRequest req,
      ServerResponse res,
      PrometheusMeterRegistry registry,
      String action,
      String endpoint) {
    return viewers == null
        || admit(
            viewers.check(authorization(req), source(req), resource),
            res,
            registry,
            "nodemesh.controller.api.auth.refused",
            " may not "
                + action
                + "; it needs "
                + ViewerAuth.rule(resource)
                + " (ClusterRole nodemesh-viewer)",
            "endpoint",
            endpoint);
  }

  /**
   * Answers a refusal and returns false, or returns true when {@code outcome} allows.
   *
   * @param forbidden what a 403 says after the user's name
   * @param counter the refusal counter's name; tagged {@code reason} and {@code extra}
   */
  static boolean admit(
      ProxyAuth.Outcome outcome,
      ServerResponse res,
      PrometheusMeterRegistry registry,
      String counter,
      String forbidden,
      String... extraTags) {
    String reason =
        switch (outcome) {
          case ProxyAuth.Outcome.Allowed a -> null;
          case ProxyAuth.Outcome.Unauthenticated u -> "unauthenticated";
          case ProxyAuth.Outcome.Forbidden f -> "forbidden";
          case ProxyAuth.Outcome.Throttled t -> "throttled";
          case ProxyAuth.Outcome.Unavailable u -> "unavailable";
        };
    if (reason == null) {
      return true;
    }
    Counter.builder(counter)
        .description("API requests refused by authentication or authorisation, by reason")
        .tag("reason", reason)
        .tags(extraTags)
        .register(registry)
        .increment();
    switch (outcome) {
      case ProxyAuth.Outcome.Allowed a -> throw new IllegalStateException("allowed");
      case ProxyAuth.Outcome.Unauthenticated u -> {
        res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"nodemesh\"");
        json(res, Status.UNAUTHORIZED_401, u.reason());
      }
      case ProxyAuth.Outcome.Forbidden f -> json(res, Status.FORBIDDEN_403, f.user() + forbidden);
      case ProxyAuth.Outcome.Throttled t -> {
        res.header(HeaderNames.RETRY_AFTER, "1");
        json(
            res,
            Status.TOO_MANY_REQUESTS_429,
            "too many token reviews from this address; try again later");
      }
      case ProxyAuth.Outcome.Unavailable u -> json(res, Status.SERVICE_UNAVAILABLE_503, u.reason());
    }
    return false;
  }

  private static void json(ServerResponse res, Status status, String message) {
    String body;
    try {
      body = MeshConfigJson.mapper().writeValueAsString(Map.of("error", message));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise an error", e);
    }
    res.status(status);
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.send(body.getBytes(StandardCharsets.UTF_8));
  }
}
