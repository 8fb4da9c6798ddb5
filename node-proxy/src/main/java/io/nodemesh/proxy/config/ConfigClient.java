package io.nodemesh.proxy.config;

import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigDelta;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.wire.ConfigWire;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import javax.net.ssl.SSLContext;

/**
 * Long-polls {@code GET {controller}/api/v1/config} with {@code If-None-Match} and applies every
 * newer version. It asks for gzip and, once it holds a config it applied, for a delta from it
 * ({@code ?since=}); a delta that does not fit the config held is dropped and the full config
 * fetched at once. Bodies are read as a stream and refused past a bound, compressed or not. While
 * the controller is unreachable the proxy keeps its last good config; the outage is logged once,
 * retries back off from 200 ms to 1 s with jitter. A config that does not parse or apply is
 * rejected and the next poll waits for a version after it.
 *
 * <p>Runs on its own virtual thread, never on an event loop.
 */
public final class ConfigClient implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ConfigClient.class.getName());
  private static final long MIN_BACKOFF_MS = 200;
  // Short enough that a proxy catches up within about a second of the controller coming back;
  // a refused connect per second per node costs the controller nothing.
  private static final long MAX_BACKOFF_MS = 1_000;

  /**
   * The largest config body read by default, compressed or not: about 15 times the 17 MB of a
   * 10,000-Service mesh, and a bound on what a gzip bomb can make the proxy inflate.
   */
  public static final long DEFAULT_MAX_BODY_BYTES = 256L * 1024 * 1024;

  private static final int ERROR_BODY_BYTES = 4096;

  private final URI endpoint;
  private final Duration wait;
  private final LongSupplier currentVersion;
  private final Consumer<MeshConfig> apply;
  private final Runnable unreadable;
  private final String node;
  private final Path tokenFile;
  private final ControllerHttp http;
  private final String query;
  private volatile boolean closed;
  private volatile Thread thread;
  private final long maxBodyBytes;
  private final AtomicLong fullBodies = new AtomicLong();
  private final AtomicLong deltaBodies = new AtomicLong();
  private final AtomicLong bytesReceived = new AtomicLong();
  // The config this client last applied: what a delta from the controller is applied to.
  private volatile MeshConfig base;
  private boolean fullNext;
  private String lastSeenTag;
  private boolean outage;
  private long backoffMs = MIN_BACKOFF_MS;

  /**
   * A client of the controller at {@code controller} (its base URL) that hands each newer config to
   * {@code apply} (which throws to reject it); every other knob has a default on the {@link
   * Builder}.
   */
  public static Builder builder(URI controller, Consumer<MeshConfig> apply) {
    return new Builder(controller, apply);
  }

  /** The optional knobs of a {@link ConfigClient}; each has a default. */
  public static final class Builder {
    private final URI controller;
    private final Consumer<MeshConfig> apply;
    private Duration wait = Duration.ofSeconds(30);
    private LongSupplier currentVersion = () -> -1;
    private Runnable unreadable = () -> {};
    private String node;
    private Path tokenFile;
    private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private SSLContext tls;

    private Builder(URI controller, Consumer<MeshConfig> apply) {
      this.controller = Objects.requireNonNull(controller, "config client controller");
      this.apply = Objects.requireNonNull(apply, "config client apply");
    }

    /** How long the controller may hold a poll (query {@code wait}, in seconds); default 30 s. */
    public Builder wait(Duration value) {
      this.wait = Objects.requireNonNull(value, "config client wait");
      return this;
    }

    /** The version in force, -1 before the first (the default always says -1). */
    public Builder currentVersion(LongSupplier value) {
      this.currentVersion = Objects.requireNonNull(value, "config client currentVersion");
      return this;
    }

    /**
     * Runs when a config the controller sent cannot be read (a config that {@code apply} rejects is
     * the caller's to count).
     */
    public Builder unreadable(Runnable value) {
      this.unreadable = Objects.requireNonNull(value, "config client unreadable callback");
      return this;
    }

    /**
     * Sent as {@code X-Nodemesh-Node} so the controller can count its proxies by node; null (the
     * default) sends none.
     */
    public Builder node(String value) {
      this.node = value;
      return this;
    }

    /**
     * A file holding the token sent as {@code Authorization: Bearer}, read again for every poll
     * (the kubelet rotates projected tokens) and kept nowhere else; null (the default) sends none.
     */
    public Builder tokenFile(Path value) {
      this.tokenFile = value;
      return this;
    }

    /**
     * A config body larger than this, as sent or once decompressed, is refused (counted as
     * unreadable, the config in force stays); default {@link #DEFAULT_MAX_BODY_BYTES}.
     */
    public Builder maxBodyBytes(long value) {
      this.maxBodyBytes = value;
      return this;
    }

    /**
     * The only trust for an {@code https} controller (see {@link ControllerTrust#pinned}); null
     * (the default) is the JDK's trust store.
     */
    public Builder tls(SSLContext value) {
      this.tls = value;
      return this;
    }

    public ConfigClient build() {
      return new ConfigClient(this);
    }
  }

  private ConfigClient(Builder b) {
    URI controller = b.controller;
    Duration wait = b.wait;
    long maxBodyBytes = b.maxBodyBytes;
    SSLContext tls = b.tls;
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException(
          "config client max body bytes " + maxBodyBytes + " is not positive");
    }
    this.maxBodyBytes = maxBodyBytes;
    this.node = b.node;
    this.tokenFile = b.tokenFile;
    this.unreadable = b.unreadable;
    String base = controller.toString().replaceAll("/+$", "");
    this.endpoint =
        URI.create(
            base
                + ConfigWire.CONFIG_PATH
                + "?"
                + ConfigWire.WAIT_PARAM
                + "="
                + Math.max(1, wait.toSeconds()));
    this.wait = wait;
    this.currentVersion = b.currentVersion;
    this.apply = b.apply;
    this.query =
        controller.getRawPath().replaceAll("/+$", "")
            + ConfigWire.CONFIG_PATH
            + "?"
            + ConfigWire.WAIT_PARAM
            + "="
            + Math.max(1, wait.toSeconds());
    this.http = new ControllerHttp(controller, tls, maxBodyBytes);
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
    long held = currentVersion.getAsLong();
    MeshConfig b = base;
    boolean delta = !fullNext && b != null && b.version() == held;
    String target = delta ? query + "&" + ConfigWire.SINCE_PARAM + "=" + held : query;
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept-Encoding", "gzip");
    String tag = lastSeenTag != null ? lastSeenTag : held >= 0 ? "\"" + held + "\"" : null;
    if (tag != null) {
      headers.put("If-None-Match", tag);
    }
    if (node != null) {
      headers.put(ConfigWire.NODE_HEADER, node);
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
        headers.put("Authorization", "Bearer " + token);
      }
    }
    ControllerHttp.Response resp;
    try {
      resp = http.exchange("GET", target, headers, null, wait.plusSeconds(10));
    } catch (ControllerHttp.BodyTooLarge e) {
      // Refused by the client's bound before any of it is read, like a body past it below.
      String type = e.header("Content-Type");
      unreadable.run();
      rejected(
          e.header("ETag"),
          "config body from " + endpoint + " is larger than " + maxBodyBytes + " bytes",
          type != null && type.startsWith(ConfigWire.DELTA_CONTENT_TYPE));
      return;
    } catch (IOException | IllegalArgumentException e) {
      if (closed) {
        throw new InterruptedException("config client closed");
      }
      unreachable(describe(e));
      return;
    }
    try (resp;
        InputStream body = resp.body()) {
      switch (resp.status()) {
        case 200 -> received(resp, body);
        case 304 -> reachable();
        case 401, 403 ->
            unreachable(
                "HTTP "
                    + resp.status()
                    + ", the controller refuses this proxy's token"
                    + (tokenFile == null ? " (none sent: --token-file is not set)" : "")
                    + ": "
                    + new String(body.readNBytes(ERROR_BODY_BYTES), StandardCharsets.UTF_8)
                        .strip());
        default -> unreachable("HTTP " + resp.status());
      }
    } catch (IOException e) {
      unreachable(describe(e));
    }
  }

  /** Reads a 200: a full config, or a delta from {@link #base}, then applies it. */
  private void received(ControllerHttp.Response resp, InputStream raw) throws InterruptedException {
    reachable();
    long bytesBefore = bytesReceived.get();
    String etag = resp.header("ETag");
    String type = resp.header("Content-Type");
    boolean isDelta = type != null && type.startsWith(ConfigWire.DELTA_CONTENT_TYPE);
    MeshConfig config;
    try (InputStream in = decoded(resp, raw)) {
      if (isDelta) {
        MeshConfigDelta d = MeshConfigJson.readDelta(in);
        MeshConfig b = base;
        try {
          if (b == null) {
            throw new IllegalArgumentException("no config to apply it to");
          }
          config = d.applyTo(b);
        } catch (IllegalArgumentException e) {
          LOG.log(
              Level.INFO,
              "config delta from {0} does not fit ({1}); fetching the full config",
              endpoint,
              e.getMessage());
          fullNext = true;
          return;
        }
        deltaBodies.incrementAndGet();
      } else {
        config = MeshConfigJson.read(in);
        fullBodies.incrementAndGet();
      }
      // To the end, so the gzip trailer is checked and the connection can be reused.
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IllegalArgumentException | ZipException | BodyTooLarge e) {
      unreadable.run();
      rejected(etag, e.getMessage(), isDelta);
      return;
    } catch (IOException e) {
      unreachable(describe(e));
      return;
    }
    fullNext = false;
    accept(
        config,
        etag,
        (isDelta ? "a delta" : "the full config")
            + " of "
            + (bytesReceived.get() - bytesBefore)
            + " bytes");
  }

  /** The body as sent, inflated if gzipped, each bounded by {@link #maxBodyBytes}. */
  private InputStream decoded(ControllerHttp.Response resp, InputStream raw) throws IOException {
    InputStream wire = new BoundedInputStream(raw, maxBodyBytes, "", bytesReceived);
    String header = resp.header("Content-Encoding");
    String encoding = header == null ? "identity" : header.trim();
    if (encoding.equalsIgnoreCase("identity")) {
      return wire;
    }
    if (!encoding.equalsIgnoreCase("gzip")) {
      throw new ZipException("unsupported Content-Encoding '" + encoding + "'");
    }
    return new BoundedInputStream(
        new GZIPInputStream(wire, 64 * 1024), maxBodyBytes, " once decompressed", null);
  }

  private void accept(MeshConfig config, String etag, String source) throws InterruptedException {
    try {
      long held = currentVersion.getAsLong();
      if (config.version() > held) {
        apply.accept(config);
        base = config;
        LOG.log(
            Level.INFO, "applied config version {0,number,#} from {1}", config.version(), source);
      }
      lastSeenTag = etag != null ? etag : "\"" + config.version() + "\"";
    } catch (RuntimeException e) {
      rejected(etag, e.getMessage(), false);
    }
  }

  /**
   * Logs a config that was not applied. A delta that cannot be read may be a fault of that one
   * body: the next poll asks for the full config at once ({@code retryFull}). Otherwise the next
   * poll waits for a version after {@code etag}.
   */
  private void rejected(String etag, String reason, boolean retryFull) throws InterruptedException {
    LOG.log(
        Level.WARNING,
        "config {0} from {1} rejected, keeping version {2,number,#}: {3}",
        etag == null ? "(no ETag)" : etag,
        endpoint,
        currentVersion.getAsLong(),
        reason);
    if (retryFull) {
      fullNext = true;
      return;
    }
    lastSeenTag = etag;
    if (etag == null) {
      // Without a tag the next poll would return the same bad config at once.
      pause();
    }
  }

  private static String describe(Exception e) {
    return e.getMessage() == null
        ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  /** How many full configs were read. */
  public long fullConfigs() {
    return fullBodies.get();
  }

  /** How many deltas were read and applied to the config held. */
  public long deltas() {
    return deltaBodies.get();
  }

  /** Bytes of config bodies received, as sent on the wire (compressed when they were). */
  public long bytesReceived() {
    return bytesReceived.get();
  }

  /** Refuses to read past {@code max} bytes, so a body cannot grow without bound in memory. */
  private final class BoundedInputStream extends FilterInputStream {
    private final long max;
    private final String what;
    private final AtomicLong total;
    private long count;

    BoundedInputStream(InputStream in, long max, String what, AtomicLong total) {
      super(in);
      this.max = max;
      this.what = what;
      this.total = total;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0) {
        counted(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      counted(s);
      return s;
    }

    private void counted(long n) throws BodyTooLarge {
      count += n;
      if (total != null) {
        total.addAndGet(n);
      }
      if (count > max) {
        throw new BodyTooLarge(
            "config body from " + endpoint + " is larger than " + max + " bytes" + what);
      }
    }
  }

  private static final class BodyTooLarge extends IOException {
    BodyTooLarge(String message) {
      super(message);
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
          "controller {0} unreachable ({1}); keeping config version {2,number,#} until it returns",
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
    http.close();
  }
}
