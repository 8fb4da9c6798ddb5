package io.nodemesh.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.TrafficReport;
import io.nodemesh.controller.traffic.TrafficView;
import io.nodemesh.controller.traffic.TrafficWindow;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The traffic the proxies report, issue 18:
 *
 * <ul>
 *   <li>{@code POST /api/v1/report}: a proxy's {@link TrafficReport}, every few seconds; 204 when
 *       added, 400 when it does not parse or breaks a bound, 413 past {@link #MAX_REPORT_BYTES}.
 *       Only proxies may report (the same check as {@code /api/v1/config}, when it has one).
 *   <li>{@code GET /api/v1/traffic}: the last minute as a {@link TrafficView} (what the {@code /ui}
 *       page draws and {@code nodemesh top --controller} prints), for proxies and people granted
 *       {@code get traffic.nodemesh.io} (ClusterRole {@code nodemesh-viewer}); it says who may call
 *       whom, like explain. Computed at most once a second however many pages poll.
 * </ul>
 */
public final class TrafficApi {
  public static final String REPORT_PATH = "/api/v1/report";
  public static final String TRAFFIC_PATH = "/api/v1/traffic";

  /** The largest report read: about 20,000 rows, well over what 1,000 Services make. */
  public static final int MAX_REPORT_BYTES = 4 * 1024 * 1024;

  private static final long VIEW_TTL_NANOS = 1_000_000_000L;

  private record Cached(long atNanos, long version, byte[] body) {}

  private TrafficApi() {}

  /** Registers both routes. {@code auth} and {@code viewers} may be null (local mode: open). */
  public static void routing(
      HttpRouting.Builder rules,
      TrafficWindow window,
      Supplier<MeshConfig> config,
      ProxyAuth auth,
      ViewerAuth viewers,
      PrometheusMeterRegistry registry) {
    Counter refused =
        Counter.builder("nodemesh.controller.traffic.reports.refused")
            .description("proxy traffic reports refused: unreadable, out of bounds or too large")
            .register(registry);
    FunctionCounter.builder("nodemesh.controller.traffic.reports", window, TrafficWindow::reports)
        .description("proxy traffic reports added to the window")
        .register(registry);
    Gauge.builder("nodemesh.controller.traffic.proxies", window, TrafficWindow::nodeCount)
        .description("node proxies that sent a traffic report in the last ten minutes")
        .register(registry);
    java.util.concurrent.atomic.AtomicReference<Cached> cache =
        new java.util.concurrent.atomic.AtomicReference<>();
    rules
        .post(
            REPORT_PATH,
            (req, res) -> {
              if (ApiGuard.proxyAdmitted(auth, req, res, registry, "report traffic")) {
                report(req, res, window, refused);
              }
            })
        .get(
            TRAFFIC_PATH,
            (req, res) -> {
              if (ApiGuard.viewerAdmitted(
                  viewers, ViewerAuth.TRAFFIC, req, res, registry, "read traffic", "traffic")) {
                res.status(Status.OK_200);
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.header(HeaderNames.CACHE_CONTROL, "no-store");
                res.send(view(cache, window, config.get()));
              }
            });
  }

  private static byte[] view(
      java.util.concurrent.atomic.AtomicReference<Cached> cache,
      TrafficWindow window,
      MeshConfig config) {
    long now = System.nanoTime();
    Cached c = cache.get();
    if (c != null && now - c.atNanos() < VIEW_TTL_NANOS && c.version() == config.version()) {
      return c.body();
    }
    byte[] body;
    try {
      body = MeshConfigJson.mapper().writeValueAsBytes(TrafficView.of(window.totals(), config));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the traffic view", e);
    }
    cache.set(new Cached(now, config.version(), body));
    return body;
  }

  private static void report(
      ServerRequest req, ServerResponse res, TrafficWindow window, Counter refused) {
    byte[] body;
    try (InputStream in = req.content().inputStream()) {
      body = in.readNBytes(MAX_REPORT_BYTES + 1);
    } catch (IOException e) {
      refused.increment();
      error(res, Status.BAD_REQUEST_400, "cannot read the report");
      return;
    }
    if (body.length > MAX_REPORT_BYTES) {
      refused.increment();
      error(
          res,
          Status.REQUEST_ENTITY_TOO_LARGE_413,
          "a report may have at most " + MAX_REPORT_BYTES + " bytes");
      return;
    }
    TrafficReport report;
    try {
      report = MeshConfigJson.mapper().readValue(body, TrafficReport.class);
    } catch (IOException | RuntimeException e) {
      refused.increment();
      error(res, Status.BAD_REQUEST_400, "unreadable report: " + rootMessage(e));
      return;
    }
    if (report == null) {
      refused.increment();
      error(res, Status.BAD_REQUEST_400, "empty report");
      return;
    }
    window.add(report);
    res.status(Status.NO_CONTENT_204).send();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = String.valueOf(t.getMessage());
    // The parser's message may quote the input; keep the answer short.
    int line = m.indexOf('\n');
    m = line >= 0 ? m.substring(0, line) : m;
    return m.length() > 200 ? m.substring(0, 200) : m;
  }

  private static void error(ServerResponse res, Status status, String message) {
    try {
      res.status(status);
      res.header(HeaderNames.CONTENT_TYPE, "application/json");
      res.send(MeshConfigJson.mapper().writeValueAsBytes(Map.of("error", message)));
    } catch (JsonProcessingException e) {
      res.send(message.getBytes(StandardCharsets.UTF_8));
    }
  }
}
