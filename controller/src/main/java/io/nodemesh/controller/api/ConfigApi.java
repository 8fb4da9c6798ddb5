package io.nodemesh.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.wire.ConfigWire;
import io.nodemesh.controller.common.Problem;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The controller's HTTP API:
 *
 * <ul>
 *   <li>{@code GET /api/v1/config}: the config as JSON, its version as a strong {@code ETag}. With
 *       {@code If-None-Match} naming an older version it answers at once; naming the current one
 *       (or a newer one seen on another replica, see {@link ConfigHub#awaitNewer}) the request
 *       waits (long poll, default 30 s, {@code ?wait=<seconds>} up to 60) for a newer version, then
 *       answers 200 with it, or 304. With {@code ?since=<version>} naming a version this replica
 *       still keeps, the 200 carries a {@link io.nodemesh.config.MeshConfigDelta} from it instead
 *       ({@code Content-Type: application/vnd.nodemesh.config-delta+json}); otherwise the full
 *       config ({@code application/json}). Bodies of 1 KiB and more are gzipped for a client that
 *       accepts it. Each body is encoded once per version (see {@link ServedConfig}).
 *   <li>{@code GET /api/v1/problems}: the current problems as a JSON array.
 *   <li>{@code /healthz}, {@code /readyz} (503 until the first config from a synced source, and
 *       while compiles keep failing, see {@link ConfigHub#isReady}), {@code /metrics} (Prometheus
 *       text).
 * </ul>
 */
public final class ConfigApi {
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
  public static final Duration MAX_WAIT = Duration.ofSeconds(60);
  private static final String JSON = "application/json";

  /**
   * Config bodies smaller than this go uncompressed: they fit in one packet anyway. Larger ones are
   * compressed once per version and the result shared, so even a one-listener delta is worth it.
   */
  public static final int GZIP_MIN_BYTES = 1024;

  private ConfigApi() {}

  /** Registers the routes on {@code rules}. */
  public static void routing(
      HttpRouting.Builder rules,
      ConfigHub hub,
      Supplier<List<Problem>> problems,
      PrometheusMeterRegistry registry) {
    routing(rules, hub, problems, registry, new ProxyTracker());
  }

  /** As above, recording each config poll in {@code proxies}. */
  public static void routing(
      HttpRouting.Builder rules,
      ConfigHub hub,
      Supplier<List<Problem>> problems,
      PrometheusMeterRegistry registry,
      ProxyTracker proxies) {
    routing(rules, hub, problems, registry, proxies, null);
  }

  /**
   * As above; when {@code auth} is not null, {@code /api/v1/config} answers only requests whose
   * Bearer token {@code auth} accepts (401 without a valid token, 403 for another user, 503 when
   * the token cannot be reviewed).
   */
  public static void routing(
      HttpRouting.Builder rules,
      ConfigHub hub,
      Supplier<List<Problem>> problems,
      PrometheusMeterRegistry registry,
      ProxyTracker proxies,
      ProxyAuth auth) {
    routing(rules, hub, problems, registry, proxies, auth, null);
  }

  /**
   * As above; when {@code viewers} is not null, {@code /api/v1/problems} answers only callers it
   * admits (proxies, and users granted {@code get problems.nodemesh.io}).
   */
  /**
   * As above; when {@code viewers} is not null, {@code /api/v1/problems} answers only callers it
   * admits (proxies, and users granted {@code get problems.nodemesh.io}).
   */
  public static void routing(
      HttpRouting.Builder rules,
      ConfigHub hub,
      Supplier<List<Problem>> problems,
      PrometheusMeterRegistry registry,
      ProxyTracker proxies,
      ProxyAuth auth,
      ViewerAuth viewers) {
    TokenReviews reviews =
        auth != null ? auth.reviews() : viewers != null ? viewers.reviews() : null;
    if (reviews != null) {
      FunctionCounter.builder("nodemesh.controller.token.reviews", reviews, TokenReviews::sent)
          .description("TokenReviews sent to the API server (not answered from the cache)")
          .register(registry);
    }
    rules
        .get(
            ConfigWire.CONFIG_PATH,
            (req, res) -> {
              if (ApiGuard.proxyAdmitted(auth, req, res, registry, "read the config")) {
                config(req, res, hub, proxies, registry);
              }
            })
        .get(
            "/api/v1/problems",
            (req, res) -> {
              if (ApiGuard.viewerAdmitted(
                  viewers, ViewerAuth.PROBLEMS, req, res, registry, "read problems", "problems")) {
                json(res, Status.OK_200, problemsJson(problems.get()));
              }
            })
        .get("/healthz", (req, res) -> res.send("ok\n".getBytes(StandardCharsets.UTF_8)))
        .get(
            "/readyz",
            (req, res) -> {
              if (hub.isReady()) {
                res.send("ready\n".getBytes(StandardCharsets.UTF_8));
              } else {
                res.status(Status.SERVICE_UNAVAILABLE_503)
                    .send(
                        ("not ready: " + hub.notReadyReason() + "\n")
                            .getBytes(StandardCharsets.UTF_8));
              }
            })
        .get(
            "/metrics",
            (req, res) -> {
              res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
              res.send(registry.scrape().getBytes(StandardCharsets.UTF_8));
            });
  }

  private static void config(
      ServerRequest req,
      ServerResponse res,
      ConfigHub hub,
      ProxyTracker proxies,
      PrometheusMeterRegistry registry) {
    Duration wait = DEFAULT_WAIT;
    Optional<String> w = req.query().first(ConfigWire.WAIT_PARAM).asOptional();
    if (w.isPresent()) {
      try {
        long seconds = Long.parseLong(w.get().trim());
        wait = Duration.ofSeconds(Math.max(0, Math.min(seconds, MAX_WAIT.toSeconds())));
      } catch (NumberFormatException e) {
        json(res, Status.BAD_REQUEST_400, "{\"error\":\"wait must be a number of seconds\"}");
        return;
      }
    }
    OptionalLong since = OptionalLong.empty();
    Optional<String> s = req.query().first(ConfigWire.SINCE_PARAM).asOptional();
    if (s.isPresent()) {
      try {
        since = OptionalLong.of(Long.parseLong(s.get().trim()));
      } catch (NumberFormatException e) {
        json(res, Status.BAD_REQUEST_400, "{\"error\":\"since must be a config version\"}");
        return;
      }
    }
    OptionalLong known =
        req.headers()
            .first(HeaderNames.IF_NONE_MATCH)
            .map(ConfigApi::version)
            .orElse(OptionalLong.empty());
    proxies.polled(
        req.headers()
            .first(HeaderNames.create(ConfigWire.NODE_HEADER))
            .orElseGet(() -> String.valueOf(req.remotePeer().host())),
        known.orElse(-1));
    ServedConfig served = hub.served();
    if (known.isPresent()) {
      try {
        served = hub.awaitNewerServed(known.getAsLong(), wait);
      } catch (InterruptedException e) {
        // The server is stopping: tell the proxy to come back (to another replica) later.
        Thread.currentThread().interrupt();
        res.status(Status.SERVICE_UNAVAILABLE_503).send("controller is shutting down\n");
        return;
      }
      if (served == null) {
        res.header(HeaderNames.ETAG, etag(known.getAsLong()))
            .status(Status.NOT_MODIFIED_304)
            .send();
        return;
      }
    }
    ServedConfig.Body body =
        since.isPresent()
            ? served.deltaFrom(since.getAsLong()).orElseGet(served::full)
            : served.full();
    boolean gzip =
        body.gzip() != null
            && req.headers()
                .first(HeaderNames.ACCEPT_ENCODING)
                .map(ConfigApi::acceptsGzip)
                .orElse(false);
    byte[] bytes = gzip ? body.gzip() : body.identity();
    res.header(HeaderNames.ETAG, etag(served.version()));
    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    res.header(HeaderNames.VARY, "Accept-Encoding");
    if (gzip) {
      res.header(HeaderNames.CONTENT_ENCODING, "gzip");
    }
    res.header(HeaderNames.CONTENT_TYPE, body.contentType());
    Counter.builder("nodemesh.controller.config.sent")
        .baseUnit("bytes")
        .description("config bodies sent to proxies, by body (full, delta) and encoding")
        .tag("body", body.delta() ? "delta" : "full")
        .tag("encoding", gzip ? "gzip" : "identity")
        .register(registry)
        .increment(bytes.length);
    res.status(Status.OK_200).send(bytes);
  }

  /**
   * Whether an {@code Accept-Encoding} value admits gzip (RFC 9110 section 12.5.3): listed as
   * {@code gzip} or {@code x-gzip}, or covered by {@code *}, with a non-zero weight.
   */
  static boolean acceptsGzip(String header) {
    Boolean star = null;
    for (String part : header.split(",")) {
      String[] p = part.split(";");
      String coding = p[0].trim().toLowerCase(Locale.ROOT);
      boolean wanted = true;
      for (int i = 1; i < p.length; i++) {
        String param = p[i].trim();
        if (param.startsWith("q=") || param.startsWith("Q=")) {
          try {
            wanted = Double.parseDouble(param.substring(2).trim()) > 0;
          } catch (NumberFormatException e) {
            wanted = false;
          }
        }
      }
      if (coding.equals("gzip") || coding.equals("x-gzip")) {
        return wanted;
      }
      if (coding.equals("*")) {
        star = wanted;
      }
    }
    return star != null && star;
  }

  /** {@code "42"}, RFC 9110 section 8.8.3: an entity tag is a quoted string. */
  public static String etag(long version) {
    return "\"" + version + "\"";
  }

  /**
   * The version in an {@code If-None-Match} value: {@code "42"}, {@code 42} or {@code W/"42"} (weak
   * comparison is what RFC 9110 section 13.1.2 asks of If-None-Match). Empty if none parses.
   */
  static OptionalLong version(String header) {
    for (String part : header.split(",")) {
      String t = part.trim();
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
        t = t.substring(1, t.length() - 1);
      }
      try {
        return OptionalLong.of(Long.parseLong(t));
      } catch (NumberFormatException e) {
        // not a version of ours (e.g. "*"); try the next tag
      }
    }
    return OptionalLong.empty();
  }

  private static void json(ServerResponse res, Status status, String body) {
    res.status(status);
    res.header(HeaderNames.CONTENT_TYPE, JSON);
    res.send(body.getBytes(StandardCharsets.UTF_8));
  }

  private static String problemsJson(List<Problem> problems) {
    try {
      return MeshConfigJson.mapper().writeValueAsString(problems);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise problems", e);
    }
  }
}
