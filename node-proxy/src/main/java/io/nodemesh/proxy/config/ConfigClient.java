package io.nodemesh.proxy.config;

import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Long-polls {@code GET {controller}/api/v1/config} with {@code If-None-Match} and applies every
 * newer version. While the controller is unreachable the proxy keeps its last good config; the
 * outage is logged once, retries back off from 200 ms to 5 s with jitter. A config that does not
 * parse or apply is rejected and the next poll waits for a version after it.
 *
 * <p>Runs on its own virtual thread, never on an event loop.
 */
public final class ConfigClient implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ConfigClient.class.getName());
  private static final long MIN_BACKOFF_MS = 200;
  // Short enough that a proxy catches up within about a second of the controller coming back;
  // a refused connect per second per node costs the controller nothing.
  private static final long MAX_BACKOFF_MS = 1_000;

  private final URI endpoint;
  private final Duration wait;
  private final LongSupplier currentVersion;
  private final Consumer<MeshConfig> apply;
  private final Runnable unreadable;
  private final String node;
  private final Path tokenFile;
  private final HttpClient http;
  private volatile boolean closed;
  private volatile Thread thread;
  private String lastSeenTag;
  private boolean outage;
  private long backoffMs = MIN_BACKOFF_MS;

  /**
   * @param controller base URL of the controller API
   * @param wait how long the controller may hold a poll (query {@code wait}, in seconds)
   * @param currentVersion the version in force, -1 before the first
   * @param apply applies a newer config; throws to reject it
   */
  public ConfigClient(
      URI controller, Duration wait, LongSupplier currentVersion, Consumer<MeshConfig> apply) {
    this(controller, wait, currentVersion, apply, () -> {}, null, null);
  }

  /** As below, without a token. */
  public ConfigClient(
      URI controller,
      Duration wait,
      LongSupplier currentVersion,
      Consumer<MeshConfig> apply,
      Runnable unreadable,
      String node) {
    this(controller, wait, currentVersion, apply, unreadable, node, null);
  }

  /**
   * As above, and {@code unreadable} runs when a config the controller sent cannot be read (a
   * config that {@code apply} rejects is the caller's to count); {@code node}, when not null, is
   * sent as {@code X-Nodemesh-Node} so the controller can count its proxies by node; {@code
   * tokenFile}, when not null, holds the token sent as {@code Authorization: Bearer}, read again
   * for every poll (the kubelet rotates projected tokens) and kept nowhere else.
   */
  public ConfigClient(
      URI controller,
      Duration wait,
      LongSupplier currentVersion,
      Consumer<MeshConfig> apply,
      Runnable unreadable,
      String node,
      Path tokenFile) {
    this.node = node;
    this.tokenFile = tokenFile;
    this.unreadable = Objects.requireNonNull(unreadable, "config client unreadable callback");
    Objects.requireNonNull(controller, "config client controller");
    String base = controller.toString().replaceAll("/+$", "");
    this.endpoint = URI.create(base + "/api/v1/config?wait=" + Math.max(1, wait.toSeconds()));
    this.wait = wait;
    this.currentVersion = currentVersion;
    this.apply = apply;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  public void start() {
    thread = Thread.ofVirtual().name("nodemesh-config-client").start(this::run);
  }

  private void run() {
    LOG.log(Level.INFO, "polling {0}", endpoint);
    while (!closed) {
      try {
        pollOnce();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void pollOnce() throws InterruptedException {
    HttpRequest.Builder req = HttpRequest.newBuilder(endpoint).GET().timeout(wait.plusSeconds(10));
    long held = currentVersion.getAsLong();
    String tag = lastSeenTag != null ? lastSeenTag : held >= 0 ? "\"" + held + "\"" : null;
    if (tag != null) {
      req.header("If-None-Match", tag);
    }
    if (node != null) {
      req.header("X-Nodemesh-Node", node);
    }
    if (tokenFile != null) {
      String token;
      try {
        token = Files.readString(tokenFile).strip();
      } catch (IOException e) {
        unreachable("cannot read token file " + tokenFile + ": " + e.getClass().getSimpleName());
        return;
      }
      if (!token.isEmpty()) {
        req.header("Authorization", "Bearer " + token);
      }
    }
    HttpResponse<String> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      unreachable(
          e.getMessage() == null
              ? e.getClass().getSimpleName()
              : e.getClass().getSimpleName() + ": " + e.getMessage());
      return;
    }
    switch (resp.statusCode()) {
      case 200 -> {
        reachable();
        String etag = resp.headers().firstValue("ETag").orElse(null);
        accept(resp.body(), etag);
      }
      case 304 -> reachable();
      case 401, 403 ->
          unreachable(
              "HTTP "
                  + resp.statusCode()
                  + ", the controller refuses this proxy's token"
                  + (tokenFile == null ? " (none sent: --token-file is not set)" : "")
                  + ": "
                  + resp.body().strip());
      default -> unreachable("HTTP " + resp.statusCode());
    }
  }

  private void accept(String body, String etag) throws InterruptedException {
    try {
      MeshConfig config;
      try {
        config = MeshConfigJson.read(body);
      } catch (RuntimeException e) {
        unreadable.run();
        throw e;
      }
      long held = currentVersion.getAsLong();
      if (config.version() > held) {
        apply.accept(config);
        LOG.log(Level.INFO, "applied config version {0}", config.version());
      }
      lastSeenTag = etag != null ? etag : "\"" + config.version() + "\"";
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "config {0} rejected, keeping version {1}: {2}",
          etag == null ? "(no ETag)" : etag,
          currentVersion.getAsLong(),
          e.getMessage());
      lastSeenTag = etag;
      if (etag == null) {
        // Without a tag the next poll would return the same bad config at once.
        pause();
      }
    }
  }

  private void reachable() {
    if (outage) {
      outage = false;
      LOG.log(Level.INFO, "controller {0} reachable again", endpoint);
    }
    backoffMs = MIN_BACKOFF_MS;
  }

  private void unreachable(String reason) throws InterruptedException {
    if (!outage && !closed) {
      outage = true;
      LOG.log(
          Level.WARNING,
          "controller {0} unreachable ({1}); keeping config version {2} until it returns",
          endpoint,
          reason,
          currentVersion.getAsLong());
    }
    pause();
  }

  private void pause() throws InterruptedException {
    long jittered = (long) (backoffMs * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
    Thread.sleep(jittered);
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
  }

  @Override
  public void close() {
    closed = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
    http.shutdownNow();
  }
}
