package io.nodemesh.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.identity.CertificateRequest;
import io.nodemesh.controller.identity.CertificateAuthority;
import io.nodemesh.controller.identity.CertificateAuthority.Decision;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code POST /api/v1/certificates}: a node proxy sends a {@link CertificateRequest} (JSON, at most
 * {@link #MAX_BODY_BYTES}) with its CA token ({@link CertificateAuth}) and gets a {@link
 * io.nodemesh.config.identity.CertificateResponse}, or 400 (malformed), 401/403 (not a node proxy's
 * pod-bound token; no live pod of that ServiceAccount on the proxy's node), 429, or 503 (Pod cache
 * not synced, TokenReview failed). Served only over TLS in a cluster (the chart's controller
 * certificate); each answer counted in {@code nodemesh_controller_certificate_requests}.
 */
public final class CertificateApi {
  public static final String PATH = "/api/v1/certificates";
  static final int MAX_BODY_BYTES = 16 * 1024;
  private static final String COUNTER = "nodemesh.controller.certificate.requests";

  private CertificateApi() {}

  /** Registers the route; {@code auth} is the config API's proxy check. */
  public static void routing(
      HttpRouting.Builder rules,
      ProxyAuth auth,
      CertificateAuthority authority,
      PrometheusMeterRegistry registry) {
    CertificateAuth certAuth = new CertificateAuth(auth);
    for (String result :
        new String[] {"issued", "invalid", "refused", "unavailable", "unauthenticated"}) {
      counter(registry, result);
    }
    rules.post(PATH, (req, res) -> handle(req, res, certAuth, authority, registry));
  }

  private static void handle(
      ServerRequest req,
      ServerResponse res,
      CertificateAuth auth,
      CertificateAuthority authority,
      PrometheusMeterRegistry registry) {
    String podUid;
    switch (auth.check(ApiGuard.authorization(req), ApiGuard.source(req))) {
      case CertificateAuth.Result.Proxy p -> podUid = p.podUid();
      case CertificateAuth.Result.Refused r -> {
        counter(registry, "unauthenticated").increment();
        ApiGuard.admit(
            r.outcome(),
            res,
            registry,
            "nodemesh.controller.api.auth.refused",
            " may not request certificates; only " + auth.expectedUser(),
            "endpoint",
            "certificates");
        return;
      }
    }
    CertificateRequest request;
    try {
      byte[] body = readBounded(req.content().inputStream());
      if (body == null) {
        reply(res, registry, "invalid", Status.REQUEST_ENTITY_TOO_LARGE_413, "body too large");
        return;
      }
      request = MeshConfigJson.mapper().readValue(body, CertificateRequest.class);
    } catch (IOException e) {
      reply(res, registry, "invalid", Status.BAD_REQUEST_400, "body is not a certificate request");
      return;
    }
    switch (authority.issue(podUid, request)) {
      case Decision.Issued i -> {
        counter(registry, "issued").increment();
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(write(i.response()));
      }
      case Decision.Invalid i ->
          reply(res, registry, "invalid", Status.BAD_REQUEST_400, i.reason());
      case Decision.Refused r -> reply(res, registry, "refused", Status.FORBIDDEN_403, r.reason());
      case Decision.Unavailable u ->
          reply(res, registry, "unavailable", Status.SERVICE_UNAVAILABLE_503, u.reason());
    }
  }

  /** The body, or null when it is longer than {@link #MAX_BODY_BYTES}. */
  private static byte[] readBounded(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    if (body.length > MAX_BODY_BYTES) {
      return null;
    }
    return body;
  }

  private static void reply(
      ServerResponse res,
      PrometheusMeterRegistry registry,
      String result,
      Status status,
      String message) {
    counter(registry, result).increment();
    if (status == Status.SERVICE_UNAVAILABLE_503) {
      res.header(HeaderNames.RETRY_AFTER, "1");
    }
    res.status(status);
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.send(write(Map.of("error", message)));
  }

  private static Counter counter(PrometheusMeterRegistry registry, String result) {
    return Counter.builder(COUNTER)
        .description("certificate requests from node proxies, by result")
        .tag("result", result)
        .register(registry);
  }

  private static byte[] write(Object value) {
    try {
      return MeshConfigJson.mapper().writeValueAsString(value).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise an answer", e);
    }
  }
}
