package io.nodemesh.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigDelta;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.wire.ConfigWire;
import io.nodemesh.proxy.Listeners;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client against a scripted controller (Helidon, real sockets) that can send what a real one
 * never should: corrupt gzip, bodies that inflate without end, deltas that do not fit.
 */
class ConfigClientTest {
  private static final String DELTA = ConfigWire.DELTA_CONTENT_TYPE;

  /** What the scripted controller answers for one version: a full body and maybe a delta. */
  record Reply(long version, Body full, Body delta) {}

  record Body(String contentType, String encoding, byte[] bytes) {}

  private final List<String> queries = new CopyOnWriteArrayList<>();
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final List<String> infos = new CopyOnWriteArrayList<>();
  private final AtomicReference<MeshConfig> applied = new AtomicReference<>();
  private final AtomicInteger unreadable = new AtomicInteger();
  private final Logger log = Logger.getLogger(ConfigClient.class.getName());
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          String line = new java.util.logging.SimpleFormatter().formatMessage(r);
          if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
            warnings.add(line);
          } else {
            infos.add(line);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private Reply reply;
  private WebServer server;
  private ConfigClient client;

  @BeforeEach
  void start() {
    log.addHandler(capture);
    server =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .routing(r -> r.get("/api/v1/config", this::serve))
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    server.stop();
    log.removeHandler(capture);
  }

  private void serve(ServerRequest req, ServerResponse res) throws InterruptedException {
    Optional<String> since = req.query().first("since").asOptional();
    queries.add(since.map(s -> "since=" + s).orElse("full"));
    String held = req.headers().first(HeaderNames.IF_NONE_MATCH).orElse(null);
    Reply r;
    synchronized (this) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (reply == null || ("\"" + reply.version() + "\"").equals(held)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          res.status(Status.NOT_MODIFIED_304).send();
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      r = reply;
    }
    Body b = since.isPresent() && r.delta() != null ? r.delta() : r.full();
    res.header(HeaderNames.ETAG, "\"" + r.version() + "\"");
    res.header(HeaderNames.CONTENT_TYPE, b.contentType());
    if (b.encoding() != null) {
      res.header(HeaderNames.CONTENT_ENCODING, b.encoding());
    }
    res.send(b.bytes());
  }

  private synchronized void publish(Reply next) {
    reply = next;
    notifyAll();
  }

  private void startClient(long maxBodyBytes) {
    client =
        ConfigClient.builder(URI.create("http://127.0.0.1:" + server.port()), applied::set)
            .wait(Duration.ofSeconds(1))
            .currentVersion(() -> applied.get() == null ? -1 : applied.get().version())
            .unreadable(unreadable::incrementAndGet)
            .node("node-a")
            .maxBodyBytes(maxBodyBytes)
            .build();
    client.start();
  }

  private String controllerUrl() {
    return "http://127.0.0.1:" + server.port() + "/api/v1/config";
  }

  static MeshConfig mesh(long version, int services, String ip) {
    List<ListenerConfig> listeners = new ArrayList<>();
    for (int i = 0; i < services; i++) {
      EndpointConfig only = EndpointConfig.ready(i == 3 ? ip : "10.0.0.1", 80);
      RouteConfig route = RouteConfig.direct(new BackendConfig("svc-" + i, 1, List.of(only)));
      listeners.add(Listeners.http("shop", "svc-" + i, 80, 20000 + i, route, null));
    }
    return new MeshConfig(version, "mesh", listeners);
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static Body full(MeshConfig c, boolean gzipped) {
    byte[] json = MeshConfigJson.writeBytes(c);
    return gzipped
        ? new Body("application/json", "gzip", gzip(json))
        : new Body("application/json", null, json);
  }

  static Body delta(MeshConfig from, MeshConfig to) {
    return new Body(
        DELTA,
        "gzip",
        gzip(MeshConfigJson.writeBytes(MeshConfigDelta.between(from, to).orElseThrow())));
  }

  private void startAt(MeshConfig first, long maxBodyBytes) {
    publish(new Reply(first.version(), full(first, true), null));
    startClient(maxBodyBytes);
    await().atMost(Duration.ofSeconds(5)).until(() -> first.equals(applied.get()));
  }

  @Test
  void appliesGzippedFullConfigsThenDeltasAndCountsTheBytesOnTheWire() {
    MeshConfig v1 = mesh(1, 50, "10.0.0.1");
    MeshConfig v2 = mesh(2, 50, "10.9.9.9");
    startAt(v1, ConfigClient.DEFAULT_MAX_BODY_BYTES);
    long afterFull = client.bytesReceived();
    assertThat(afterFull).isEqualTo(full(v1, true).bytes().length);

    publish(new Reply(2, full(v2, true), delta(v1, v2)));

    await().atMost(Duration.ofSeconds(5)).until(() -> v2.equals(applied.get()));
    assertThat(queries).contains("since=1");
    assertThat(client.deltas()).isEqualTo(1);
    assertThat(client.fullConfigs()).isEqualTo(1);
    assertThat(client.bytesReceived() - afterFull).isEqualTo(delta(v1, v2).bytes().length);
    assertThat(infos)
        .contains(
            "applied config version 1 from the full config of " + afterFull + " bytes",
            "applied config version 2 from a delta of " + delta(v1, v2).bytes().length + " bytes");
  }

  @Test
  void aBodyThatInflatesPastTheLimitIsRefusedAndTheOldConfigStays() {
    MeshConfig v1 = mesh(1, 3, "10.0.0.1");
    startAt(v1, 64 * 1024);
    // 1 MB of JSON whitespace compresses to about a kilobyte: a small download, a large inflation.
    byte[] bomb = new byte[1 << 20];
    java.util.Arrays.fill(bomb, (byte) ' ');
    publish(new Reply(2, new Body("application/json", "gzip", gzip(bomb)), null));

    await().atMost(Duration.ofSeconds(5)).until(() -> unreadable.get() == 1);
    assertThat(applied.get()).isEqualTo(v1);
    assertThat(warnings)
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("config \"2\" from " + controllerUrl())
                    .contains("rejected, keeping version 1")
                    .contains("larger than 65536 bytes once decompressed"));

    // The next version gets through.
    MeshConfig v3 = mesh(3, 3, "10.3.3.3");
    publish(new Reply(3, full(v3, true), null));
    await().atMost(Duration.ofSeconds(5)).until(() -> v3.equals(applied.get()));
  }

  @Test
  void aPlainBodyPastTheLimitIsRefusedToo() {
    MeshConfig v1 = mesh(1, 3, "10.0.0.1");
    startAt(v1, 4 * 1024);
    publish(new Reply(2, full(mesh(2, 200, "10.0.0.2"), false), null));

    await().atMost(Duration.ofSeconds(5)).until(() -> unreadable.get() == 1);
    assertThat(applied.get()).isEqualTo(v1);
    assertThat(warnings).anySatisfy(w -> assertThat(w).contains("larger than 4096 bytes"));
  }

  @Test
  void corruptGzipIsRefusedWithTheControllerNamed() {
    MeshConfig v1 = mesh(1, 3, "10.0.0.1");
    startAt(v1, ConfigClient.DEFAULT_MAX_BODY_BYTES);
    byte[] corrupt = gzip(MeshConfigJson.writeBytes(mesh(2, 3, "10.0.0.2")));
    for (int i = 12; i < corrupt.length - 8; i++) {
      corrupt[i] ^= 0x5a;
    }
    publish(new Reply(2, new Body("application/json", "gzip", corrupt), null));

    await().atMost(Duration.ofSeconds(5)).until(() -> unreadable.get() == 1);
    assertThat(applied.get()).isEqualTo(v1);
    assertThat(warnings)
        .anySatisfy(
            w -> assertThat(w).contains("from " + controllerUrl()).contains("keeping version 1"));
    // It waits for a newer version instead of fetching the same bad body again and again.
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(() -> unreadable.get() == 1);
  }

  @Test
  void aDeltaThatDoesNotFitIsDroppedForTheFullConfig() {
    MeshConfig v1 = mesh(1, 10, "10.0.0.1");
    MeshConfig v2 = mesh(2, 10, "10.2.2.2");
    startAt(v1, ConfigClient.DEFAULT_MAX_BODY_BYTES);
    // A delta from a version 1 with other listeners: it removes one this proxy does not have.
    MeshConfig otherV1 = mesh(1, 11, "10.0.0.1");
    publish(new Reply(2, full(v2, true), delta(otherV1, v2)));

    await().atMost(Duration.ofSeconds(5)).until(() -> v2.equals(applied.get()));
    assertThat(queries).containsSubsequence("since=1", "full");
    assertThat(client.deltas()).isZero();
    assertThat(client.fullConfigs()).isEqualTo(2);
    assertThat(unreadable.get()).isZero();
  }

  @Test
  void anUnreadableDeltaIsFollowedByTheFullConfigAtOnce() {
    MeshConfig v1 = mesh(1, 10, "10.0.0.1");
    MeshConfig v2 = mesh(2, 10, "10.2.2.2");
    startAt(v1, ConfigClient.DEFAULT_MAX_BODY_BYTES);
    Body garbage = new Body(DELTA, null, "{\"from\": 1, \"to\":".getBytes(StandardCharsets.UTF_8));
    publish(new Reply(2, full(v2, true), garbage));

    await().atMost(Duration.ofSeconds(5)).until(() -> v2.equals(applied.get()));
    assertThat(unreadable.get()).isEqualTo(1);
    assertThat(queries).containsSubsequence("since=1", "full");
    assertThat(warnings).anySatisfy(w -> assertThat(w).contains("malformed config delta"));
  }
}
