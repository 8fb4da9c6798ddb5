package io.nodemesh.proxy.admin;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.nodemesh.config.tap.TapGrant;
import io.nodemesh.proxy.tap.Tap;
import io.nodemesh.proxy.tap.TapEvent;
import io.nodemesh.proxy.tap.TapFilter;
import io.nodemesh.proxy.tap.TapGrants;
import io.nodemesh.proxy.tap.Taps;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
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
  static final int DEFAULT_RATE = 100;
  private static final JsonFactory JSON = new JsonFactory();
  private static final long STATS_NANOS = TimeUnit.SECONDS.toNanos(1);

  private TapEndpoint() {}

  /** What a tap request gets: a refusal, or an open tap to stream. */
  sealed interface Outcome {
    /** Answered with {@code status} and {@code message} as plain text. */
    record Refused(HttpResponseStatus status, String message) implements Outcome {}

    /** Streamed: {@code limit} request lines at most, 0 for no limit. */
    record Opened(Tap tap, long limit) implements Outcome {}
  }

  /**
   * Checks who asks (a grant, else a loopback peer), parses the filter and opens a tap. Blocking (a
   * grant's signature is verified): not for an event loop.
   *
   * @param local the address the request arrived on (a grant names it)
   * @param remote the caller's address
   */
  static Outcome open(
      HttpHeaders headers,
      AdminTarget target,
      SocketAddress local,
      SocketAddress remote,
      Taps taps,
      TapGrants grants) {
    String grant = headers.get(TapGrant.GRANT_HEADER);
    if (grant != null) {
      // A grant is checked wherever it comes from: presenting one never skips the check.
      String refusal =
          grants == null
              ? "this proxy takes no tap grants (it pins no controller CA)"
              : grants.refusal(
                  grant, headers.get(TapGrant.SIGNER_HEADER), host(local), target.rawQuery());
      if (refusal != null) {
        return new Outcome.Refused(HttpResponseStatus.FORBIDDEN, refusal);
      }
    } else if (!loopback(remote)) {
      return new Outcome.Refused(
          HttpResponseStatus.FORBIDDEN,
          "tap answers loopback callers, or the controller with a signed grant; use nodemesh tap"
              + " --controller, or kubectl port-forward");
    }
    if (taps == null) {
      return new Outcome.Refused(HttpResponseStatus.SERVICE_UNAVAILABLE, "proxy not started yet");
    }
    TapFilter filter;
    int rate;
    long limit;
    try {
      Map<String, String> query = target.firstValues();
      Map<String, String> q = new HashMap<>();
      for (String name : new String[] {"service", "path", "status", "source"}) {
        q.put(name, query.get(name));
      }
      filter = TapFilter.parse(q);
      rate = number(query.get("rate"), "rate", DEFAULT_RATE, Taps.MAX_RATE);
      limit = number(query.get("limit"), "limit", 0, Integer.MAX_VALUE);
    } catch (IllegalArgumentException e) {
      return new Outcome.Refused(HttpResponseStatus.BAD_REQUEST, e.getMessage());
    }
    try {
      return new Outcome.Opened(taps.open(filter, rate), limit);
    } catch (IllegalStateException e) {
      return new Outcome.Refused(HttpResponseStatus.TOO_MANY_REQUESTS, e.getMessage());
    }
  }

  /**
   * Writes the tap's lines to {@code out} until {@code limit} requests were sent (0: until writing
   * fails because the reader went away); flushes each line when traffic is light and the stats line
   * every second.
   */
  static void stream(Tap tap, long limit, OutputStream out)
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

  /** The address as a literal, as the grant names the proxy. */
  private static String host(SocketAddress a) {
    return a instanceof InetSocketAddress i ? i.getHostString() : String.valueOf(a);
  }

  private static boolean loopback(SocketAddress a) {
    return a instanceof InetSocketAddress i
        && i.getAddress() != null
        && i.getAddress().isLoopbackAddress();
  }
}
