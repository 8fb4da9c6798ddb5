package io.nodemesh.controller.tap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nodemesh.config.MeshConfigJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Opens one tap on every node proxy ({@link TapTarget}) and merges their streams into one: each
 * proxy's {@code "request"} lines with its node added, and every second one {@code "stats"} line
 * with the sums of the proxies' counts. The proxies filter and rate-limit; the relay only copies,
 * through a bounded queue, so a slow reader makes the proxies drop (and count), never the
 * controller grow.
 */
public final class TapRelay {
  /** User taps open at once on this replica; each holds one connection per proxy. */
  public static final int MAX_OPEN = 4;

  /** How long the proxies have to accept the tap before the relay answers without them. */
  static final Duration ACCEPT_WITHIN = Duration.ofSeconds(5);

  private static final int QUEUE = 4096;
  private static final long STATS_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final TapSigner signer;
  private final Supplier<List<TapTarget>> targets;
  private final HttpClient http;
  private final Semaphore open = new Semaphore(MAX_OPEN);

  /**
   * @param signer signs the grants; null sends none, which only loopback proxies accept (local
   *     mode)
   * @param targets the proxies to ask, looked up when a tap opens
   */
  public TapRelay(TapSigner signer, Supplier<List<TapTarget>> targets) {
    this.signer = signer;
    this.targets = targets;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(ACCEPT_WITHIN)
            .build();
  }

  /** How opening a tap went. */
  public sealed interface Opened {
    /** The proxies' streams, to be {@link Session#copyTo copied} and then closed. */
    record Streaming(Session session) implements Opened {}

    /** A proxy found the filter malformed: 400 with its words. */
    record BadRequest(String message) implements Opened {}

    /** No proxy accepted (each reason listed): 502. */
    record NoProxy(String message) implements Opened {}

    /** {@link #MAX_OPEN} taps are open already: 429. */
    record Busy() implements Opened {}
  }

  /**
   * Asks every proxy for a tap with {@code rawQuery} (the filter and rate, already in the proxies'
   * form) and waits until each accepted or refused, or {@link #ACCEPT_WITHIN} passed.
   */
  public Opened open(String rawQuery) throws InterruptedException {
    if (!open.tryAcquire()) {
      return new Opened.Busy();
    }
    List<TapTarget> all = List.copyOf(targets.get());
    Session s = new Session(all.size());
    CountDownLatch answered = new CountDownLatch(all.size());
    for (TapTarget t : all) {
      Thread.ofVirtual()
          .name("nodemesh-tap-" + t.node())
          .start(() -> s.follow(t, rawQuery, answered));
    }
    answered.await(ACCEPT_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
    String bad = s.badRequest;
    if (bad != null || (!all.isEmpty() && s.streaming.isEmpty())) {
      String refusals = String.join("; ", s.refusals.values());
      s.close();
      return bad != null
          ? new Opened.BadRequest(bad)
          : new Opened.NoProxy(
              "no proxy accepted the tap" + (refusals.isEmpty() ? "" : ": " + refusals));
    }
    return new Opened.Streaming(s);
  }

  /** One user's tap: a stream from each proxy that accepted it. */
  public final class Session implements AutoCloseable {
    private final int proxies;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(QUEUE);
    private final Map<String, InputStream> streaming = new ConcurrentHashMap<>();
    private final Map<String, String> refusals = new ConcurrentHashMap<>();
    private final Map<String, long[]> counts = new ConcurrentHashMap<>();
    private volatile String badRequest;
    private volatile boolean closed;
    private long relayDropped;

    private Session(int proxies) {
      this.proxies = proxies;
    }

    private void follow(TapTarget t, String rawQuery, CountDownLatch answered) {
      HttpRequest.Builder req =
          HttpRequest.newBuilder(
                  URI.create(
                      "http://"
                          + hostPort(t)
                          + "/tap"
                          + (rawQuery.isEmpty() ? "" : "?" + rawQuery)))
              .timeout(ACCEPT_WITHIN);
      if (signer != null) {
        signer.headers(t.host(), rawQuery).forEach(req::header);
      }
      InputStream body = null;
      boolean accepted = false;
      try {
        CompletableFuture<HttpResponse<InputStream>> f =
            http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> r = f.get(ACCEPT_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        body = r.body();
        if (r.statusCode() != 200) {
          String why = firstLine(body);
          if (r.statusCode() == 400) {
            badRequest = why;
          }
          refusals.put(t.node(), t.node() + " answered " + r.statusCode() + " " + why);
          return;
        }
        streaming.put(t.node(), body);
        accepted = true;
        // Counted once: a stream that ends early must not stand in for a proxy not yet answered.
        answered.countDown();
        copy(t, body);
      } catch (Exception e) {
        refusals.putIfAbsent(
            t.node(), t.node() + " unreachable (" + e.getClass().getSimpleName() + ")");
      } finally {
        if (!accepted) {
          answered.countDown();
        }
        streaming.remove(t.node());
        if (body != null) {
          try {
            body.close();
          } catch (IOException e) {
            // Closing is all we wanted.
          }
        }
      }
    }

    private void copy(TapTarget t, InputStream body) throws IOException {
      ObjectMapper json = MeshConfigJson.mapper();
      BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null && !closed; line = in.readLine()) {
        JsonNode n = json.readTree(line);
        if (!(n instanceof ObjectNode o)) {
          continue;
        }
        String type = o.path("type").asText();
        if ("stats".equals(type)) {
          counts.put(t.node(), new long[] {o.path("matched").asLong(), o.path("dropped").asLong()});
        } else if ("request".equals(type)) {
          o.put("node", t.node());
          if (!lines.offer(json.writeValueAsString(o))) {
            synchronized (this) {
              relayDropped++;
            }
          }
        }
      }
    }

    /**
     * Writes the merged stream to {@code out} until {@code limit} requests were written (0: no
     * limit), every proxy stream ended, or writing fails (the user went away).
     */
    public void copyTo(OutputStream out, long limit) throws IOException, InterruptedException {
      long sent = 0;
      stats(out);
      long nextStats = System.nanoTime() + STATS_NANOS;
      while (limit == 0 || sent < limit) {
        String line = lines.poll(Math.max(1, nextStats - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line != null) {
          out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
          sent++;
          if (lines.isEmpty()) {
            out.flush();
          }
        }
        if (System.nanoTime() - nextStats >= 0) {
          stats(out);
          nextStats = System.nanoTime() + STATS_NANOS;
          if (streaming.isEmpty() && lines.isEmpty()) {
            break;
          }
        }
      }
      stats(out);
    }

    private void stats(OutputStream out) throws IOException {
      long matched = 0;
      long dropped;
      synchronized (this) {
        dropped = relayDropped;
      }
      for (long[] c : counts.values()) {
        matched += c[0];
        dropped += c[1];
      }
      ObjectNode o = MeshConfigJson.mapper().createObjectNode();
      o.put("type", "stats");
      o.put("proxies", proxies);
      o.put("tapping", streaming.size());
      o.put("matched", matched);
      o.put("dropped", dropped);
      List<String> refused = new ArrayList<>(refusals.values());
      if (!refused.isEmpty()) {
        o.putPOJO("refused", refused);
      }
      try {
        out.write(
            (MeshConfigJson.mapper().writeValueAsString(o) + "\n")
                .getBytes(StandardCharsets.UTF_8));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot serialise tap stats", e);
      }
      out.flush();
    }

    /** Ends every proxy's tap: their connections close, so their taps close. */
    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      for (InputStream in : streaming.values()) {
        try {
          in.close();
        } catch (IOException e) {
          // Closing is all we wanted.
        }
      }
      open.release();
    }
  }

  private static String hostPort(TapTarget t) {
    return (t.host().indexOf(':') >= 0 ? "[" + t.host() + "]" : t.host()) + ":" + t.port();
  }

  private static String firstLine(InputStream body) throws IOException {
    byte[] b = body.readNBytes(512);
    String s = new String(b, StandardCharsets.UTF_8).strip();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
