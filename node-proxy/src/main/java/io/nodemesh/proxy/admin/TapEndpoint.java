package io.nodemesh.proxy.admin;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.nodemesh.config.tap.TapGrant;
import io.nodemesh.proxy.tap.Tap;
import io.nodemesh.proxy.tap.TapEvent;
import io.nodemesh.proxy.tap.TapFilter;
import io.nodemesh.proxy.tap.TapGrants;
import io.nodemesh.proxy.tap.Taps;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /tap}: streams the requests a filter matches as JSON lines (chunked), one {@code
 * "request"} line per request and a {@code "stats"} line every second with the running counts of
 * matched and dropped requests. The stats line doubles as a heartbeat: a reader that went away is
 * noticed within a second and its tap closed. Tapped requests carry paths and identities, so the
 * endpoint answers loopback callers (the node itself, or {@code kubectl port-forward}, which
 * Kubernetes RBAC authorises) and callers with a grant the controller signed ({@link TapGrants},
 * after its own authorisation of the user); the other admin endpoints stay open to Prometheus.
 */
final class TapEndpoint {
  private static final HeaderName GRANT = HeaderNames.create(TapGrant.GRANT_HEADER);
  private static final HeaderName SIGNER = HeaderNames.create(TapGrant.SIGNER_HEADER);
  static final int DEFAULT_RATE = 100;
  private static final JsonFactory JSON = new JsonFactory();
  private static final long STATS_NANOS = TimeUnit.SECONDS.toNanos(1);

  private TapEndpoint() {}

  static void handle(ServerRequest req, ServerResponse res, Taps taps, TapGrants grants) {
    Optional<String> grant = req.headers().first(GRANT);
    if (grant.isPresent()) {
      // A grant is checked wherever it comes from: presenting one never skips the check.
      String refusal =
          grants == null
              ? "this proxy takes no tap grants (it pins no controller CA)"
              : grants.refusal(
                  grant.get(),
                  req.headers().first(SIGNER).orElse(null),
                  String.valueOf(req.localPeer().host()),
                  req.query().rawValue());
      if (refusal != null) {
        refuse(res, Status.FORBIDDEN_403, refusal);
        return;
      }
    } else if (!loopback(req.remotePeer().address())) {
      refuse(
          res,
          Status.FORBIDDEN_403,
          "tap answers loopback callers, or the controller with a signed grant; use nodemesh tap"
              + " --controller, or kubectl port-forward");
      return;
    }
    if (taps == null) {
      refuse(res, Status.SERVICE_UNAVAILABLE_503, "proxy not started yet");
      return;
    }
    TapFilter filter;
    int rate;
    long limit;
    try {
      Map<String, String> q = new HashMap<>();
      for (String name : new String[] {"service", "path", "status", "source"}) {
        q.put(name, req.query().first(name).orElse(null));
      }
      filter = TapFilter.parse(q);
      rate = number(req.query().first("rate").orElse(null), "rate", DEFAULT_RATE, Taps.MAX_RATE);
      limit = number(req.query().first("limit").orElse(null), "limit", 0, Integer.MAX_VALUE);
    } catch (IllegalArgumentException e) {
      refuse(res, Status.BAD_REQUEST_400, e.getMessage());
      return;
    }
    Tap tap;
    try {
      tap = taps.open(filter, rate);
    } catch (IllegalStateException e) {
      refuse(res, Status.TOO_MANY_REQUESTS_429, e.getMessage());
      return;
    }
    try (tap) {
      res.header("Content-Type", "application/x-ndjson");
      res.header("Cache-Control", "no-store");
      stream(tap, limit, res.outputStream());
    } catch (IOException | UncheckedIOException e) {
      // The reader went away: closing the tap is all there is to do.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void stream(Tap tap, long limit, OutputStream out)
      throws IOException, InterruptedException {
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.setRootValueSeparator(null);
      stats(g, tap);
      long sent = 0;
      long nextStats = System.nanoTime() + STATS_NANOS;
      while (limit == 0 || sent < limit) {
        long wait = Math.max(1, nextStats - System.nanoTime());
        TapEvent e = tap.poll(wait, TimeUnit.NANOSECONDS);
        if (e != null) {
          write(g, e);
          sent++;
          // Flush each event when traffic is light; under load the next one follows at once.
          if (tap.pending() == 0) {
            g.flush();
          }
        }
        if (System.nanoTime() - nextStats >= 0) {
          stats(g, tap);
          nextStats = System.nanoTime() + STATS_NANOS;
        }
      }
      stats(g, tap);
    }
  }

  private static void write(JsonGenerator g, TapEvent e) throws IOException {
    g.writeStartObject();
    g.writeStringField("type", "request");
    g.writeStringField("time", Instant.ofEpochMilli(e.epochMillis()).toString());
    field(g, "namespace", e.namespace());
    field(g, "service", e.service());
    if (e.port() > 0) {
      g.writeNumberField("port", e.port());
    }
    field(g, "method", e.method());
    field(g, "path", e.path());
    g.writeNumberField("status", e.status());
    g.writeNumberField("latency_ms", e.latencyNanos() / 1_000_000.0);
    field(g, "source_identity", e.sourceIdentity());
    field(g, "source", e.sourceAddress());
    field(g, "backend", e.backend());
    field(g, "endpoint", e.endpoint());
    g.writeEndObject();
    g.writeRaw('\n');
  }

  private static void stats(JsonGenerator g, Tap tap) throws IOException {
    g.writeStartObject();
    g.writeStringField("type", "stats");
    g.writeNumberField("rate", tap.perSecond());
    g.writeNumberField("matched", tap.matched());
    g.writeNumberField("dropped", tap.dropped());
    g.writeEndObject();
    g.writeRaw('\n');
    g.flush();
  }

  private static void field(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }

  private static int number(String value, String name, int absent, int max) {
    if (value == null || value.isBlank()) {
      return absent;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below with the range.
    }
    throw new IllegalArgumentException("tap " + name + " must be a number 1.." + max);
  }

  private static boolean loopback(SocketAddress a) {
    return a instanceof InetSocketAddress i
        && i.getAddress() != null
        && i.getAddress().isLoopbackAddress();
  }

  private static void refuse(ServerResponse res, Status status, String message) {
    res.status(status).header(HeaderValues.CONTENT_TYPE_TEXT_PLAIN).send(message + "\n");
  }
}
