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
import io.nodemesh.controller.tap.TapRelay;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /api/v1/tap?service=[NS/]NAME&path=PREFIX&status=503|5xx&source=ID&rate=N&limit=N}:
 * live requests from every node proxy as JSON lines, for users granted {@code create} on {@code
 * taps.nodemesh.io} ({@link ViewerAuth#checkTap}; 401 without a token, 403 without the grant). The
 * controller asks each proxy's admin port with a grant it signs ({@link
 * io.nodemesh.controller.tap.TapSigner}); the proxies filter and rate-limit (at most {@code rate}
 * requests per second each), the controller merges ({@link TapRelay}). 400 for a malformed filter,
 * 429 when too many taps are open, 502 when no proxy accepted.
 */
public final class TapApi {
  /** Rate per proxy when none is asked for, as {@code nodemesh tap} defaults. */
  static final int DEFAULT_RATE = 100;

  static final int MAX_RATE = 1000;
  private static final int MAX_VALUE = 256;
  private static final String[] FILTERS = {"service", "path", "status", "source"};

  private TapApi() {}

  /**
   * Registers the route; {@code viewers} null leaves it open (local mode, on loopback).
   *
   * @param relay where taps go; null answers 404 (no proxies known)
   */
  public static void routing(
      HttpRouting.Builder rules,
      TapRelay relay,
      ViewerAuth viewers,
      PrometheusMeterRegistry registry) {
    rules.get(
        "/api/v1/tap",
        (req, res) -> {
          if (viewers == null
              || ApiGuard.admit(
                  viewers.checkTap(ApiGuard.authorization(req), ApiGuard.source(req)),
                  res,
                  registry,
                  "nodemesh.controller.api.auth.refused",
                  " may not tap; it needs "
                      + ViewerAuth.rule(ViewerAuth.TAPS)
                      + " (a ClusterRole such as nodemesh-tapper, docs/rbac.md)",
                  "endpoint",
                  "tap")) {
            tap(req, res, relay, registry);
          }
        });
  }

  private static void tap(
      ServerRequest req, ServerResponse res, TapRelay relay, PrometheusMeterRegistry registry) {
    String query;
    long limit;
    try {
      query = proxyQuery(req);
      limit = number(req.query().first("limit").asOptional(), "limit", 0, 1_000_000);
    } catch (IllegalArgumentException e) {
      json(res, Status.BAD_REQUEST_400, e.getMessage());
      return;
    }
    TapRelay.Opened opened;
    try {
      opened = relay.open(query);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      json(res, Status.SERVICE_UNAVAILABLE_503, "controller is shutting down");
      return;
    }
    switch (opened) {
      case TapRelay.Opened.BadRequest b -> json(res, Status.BAD_REQUEST_400, b.message());
      case TapRelay.Opened.NoProxy n -> json(res, Status.BAD_GATEWAY_502, n.message());
      case TapRelay.Opened.Busy b -> {
        res.header(HeaderNames.RETRY_AFTER, "5");
        json(
            res,
            Status.TOO_MANY_REQUESTS_429,
            TapRelay.MAX_OPEN + " taps are open on this controller already");
      }
      case TapRelay.Opened.Streaming s -> {
        Counter.builder("nodemesh.controller.taps")
            .description("taps opened through the controller")
            .register(registry)
            .increment();
        try (TapRelay.Session session = s.session();
            OutputStream out =
                res.header(HeaderNames.CONTENT_TYPE, "application/x-ndjson")
                    .header(HeaderNames.CACHE_CONTROL, "no-store")
                    .outputStream()) {
          session.copyTo(out, limit);
        } catch (IOException | UncheckedIOException e) {
          // The user went away: closing the session closes every proxy's tap.
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** The filter and rate in the proxies' form; the proxies check the filter's values. */
  static String proxyQuery(ServerRequest req) {
    StringBuilder q = new StringBuilder();
    for (String name : FILTERS) {
      Optional<String> v = req.query().first(name).asOptional();
      if (v.isPresent() && !v.get().isBlank()) {
        if (v.get().length() > MAX_VALUE) {
          throw new IllegalArgumentException(
              "tap " + name + " is longer than " + MAX_VALUE + " characters");
        }
        q.append(name).append('=').append(URLEncoder.encode(v.get(), StandardCharsets.UTF_8));
        q.append('&');
      }
    }
    int rate = (int) number(req.query().first("rate").asOptional(), "rate", DEFAULT_RATE, MAX_RATE);
    return q.append("rate=").append(rate).toString();
  }

  private static long number(Optional<String> value, String name, long absent, long max) {
    if (value.isEmpty() || value.get().isBlank()) {
      return absent;
    }
    try {
      long n = Long.parseLong(value.get().trim());
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Said below, with the range.
    }
    throw new IllegalArgumentException("tap " + name + " must be a number 1.." + max);
  }

  private static void json(ServerResponse res, Status status, String message) {
    try {
      res.status(status)
          .header(HeaderNames.CONTENT_TYPE, "application/json")
          .send(
              MeshConfigJson.mapper()
                  .writeValueAsString(Map.of("error", message))
                  .getBytes(StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise an error", e);
    }
  }
}
