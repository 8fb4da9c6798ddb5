package io.nodemesh.controller.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.webserver.WebServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigDelta;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.wire.ConfigWire;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Compressed and incremental config bodies, over a real Helidon server. */
class ConfigDeliveryTest {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final HttpClient http = HttpClient.newHttpClient();
  ConfigHub hub;
  WebServer server;

  void start(int history) {
    hub = new ConfigHub(MeshConfig.empty(), history);
    server =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .routing(r -> ConfigApi.routing(r, hub, List::of, registry))
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
    http.close();
  }

  /** {@code services} listeners of 3 endpoints each; {@code changed} gets other endpoints. */
  static MeshConfig mesh(long version, int services, int changed) {
    List<ListenerConfig> listeners = new ArrayList<>();
    for (int i = 0; i < services; i++) {
      int base = i == changed ? 200 : 1;
      List<EndpointConfig> eps = new ArrayList<>();
      for (int e = 0; e < 3; e++) {
        eps.add(EndpointConfig.ready("10." + (i / 250) + "." + (i % 250) + "." + (base + e), 8080));
      }
      listeners.add(
          new ListenerConfig(
              "shop",
              "svc-" + i,
              80,
              Protocol.HTTP,
              20000 + i,
              RouteConfig.direct(new BackendConfig("svc-" + i, 1, eps))));
    }
    return new MeshConfig(version, "mesh", listeners);
  }

  HttpResponse<byte[]> get(String query, String ifNoneMatch, String acceptEncoding)
      throws Exception {
    var b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/api/v1/config" + query))
            .timeout(Duration.ofSeconds(20));
    if (ifNoneMatch != null) {
      b.header("If-None-Match", ifNoneMatch);
    }
    if (acceptEncoding != null) {
      b.header("Accept-Encoding", acceptEncoding);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static byte[] body(HttpResponse<byte[]> r) {
    if (!r.headers().firstValue("Content-Encoding").orElse("identity").equals("gzip")) {
      return r.body();
    }
    try (var in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String contentType(HttpResponse<?> r) {
    return r.headers().firstValue("Content-Type").orElse("");
  }

  @Test
  void aLargeConfigIsGzippedOnlyForAClientThatAsks() throws Exception {
    start(4);
    MeshConfig config = mesh(10, 300, -1);
    hub.publish(config, true);

    var gz = get("", null, "gzip, deflate");
    var plain = get("", null, null);
    var refused = get("", null, "gzip;q=0, identity");

    assertThat(gz.headers().firstValue("Content-Encoding")).contains("gzip");
    assertThat(gz.headers().firstValue("Vary")).contains("Accept-Encoding");
    assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(refused.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(MeshConfigJson.read(new String(body(gz), "UTF-8"))).isEqualTo(config);
    assertThat(MeshConfigJson.read(new String(plain.body(), "UTF-8"))).isEqualTo(config);
    assertThat(gz.body().length).isLessThan(plain.body().length / 5);
    assertThat(registry.scrape())
        .contains(
            "nodemesh_controller_config_sent_bytes_total{body=\"full\",encoding=\"gzip\"} "
                + gz.body().length
                + ".0");
  }

  @Test
  void aSmallConfigIsNotWorthCompressing() throws Exception {
    start(4);
    hub.publish(mesh(10, 0, -1), true);
    var r = get("", null, "gzip");
    assertThat(r.body().length).isLessThan(ConfigApi.GZIP_MIN_BYTES);
    assertThat(r.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(MeshConfigJson.read(new String(r.body(), "UTF-8")).version()).isEqualTo(10);
  }

  @Test
  void eachVersionIsSerialisedOnceHoweverManyPollsAskForIt() throws Exception {
    start(4);
    hub.publish(mesh(10, 300, -1), true);
    hub.publish(mesh(11, 300, 7), true);
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      bodies.add(get("", null, i % 2 == 0 ? "gzip" : null).body());
      bodies.add(get("?since=10", null, "gzip").body());
    }
    // One full body (both encodings made together) and one delta.
    assertThat(hub.served().encodings()).isEqualTo(2);
    assertThat(bodies.get(4)).isEqualTo(bodies.get(0));
    assertThat(bodies.get(5)).isEqualTo(bodies.get(1));
  }

  @Test
  void aOneServiceChangeTravelsAsASmallDeltaThatRebuildsTheSameConfig() throws Exception {
    start(4);
    MeshConfig before = mesh(10, 2000, -1);
    MeshConfig after = mesh(11, 2000, 1234);
    hub.publish(before, true);
    hub.publish(after, true);

    var full = get("", null, "gzip");
    var delta = get("?wait=5&since=10", "\"10\"", "gzip");

    assertThat(delta.statusCode()).isEqualTo(200);
    assertThat(contentType(delta)).startsWith(ConfigWire.DELTA_CONTENT_TYPE);
    assertThat(contentType(full)).startsWith("application/json");
    assertThat(delta.headers().firstValue("ETag")).contains("\"11\"");
    // One listener: about 1.1 KB of JSON (most of it its policy), about 500 bytes gzipped, against
    // about 44 KB for the whole config gzipped (about 2 MB plain).
    assertThat(delta.headers().firstValue("Content-Encoding")).contains("gzip");
    assertThat(body(delta).length).isBetween(ConfigApi.GZIP_MIN_BYTES, 1500);
    assertThat(delta.body().length).isLessThan(600);
    assertThat(full.body().length).isGreaterThan(50 * delta.body().length);
    MeshConfigDelta d = MeshConfigJson.readDelta(new String(body(delta), "UTF-8"));
    assertThat(d.from()).isEqualTo(10);
    assertThat(d.applyTo(before)).isEqualTo(after);
    assertThat(d.applyTo(before)).isEqualTo(MeshConfigJson.read(new String(body(full), "UTF-8")));
  }

  @Test
  void aVersionThisReplicaNoLongerKeepsGetsTheFullConfig() throws Exception {
    start(2);
    for (long v = 10; v <= 14; v++) {
      hub.publish(mesh(v, 50, (int) v), true);
    }
    // 12 and 13 are kept, 11 fell out of the history, 99 was never seen here (another replica,
    // or this one before a restart).
    assertThat(contentType(get("?since=13", null, null))).startsWith(ConfigWire.DELTA_CONTENT_TYPE);
    assertThat(contentType(get("?since=12", null, null))).startsWith(ConfigWire.DELTA_CONTENT_TYPE);
    var old = get("?since=11", null, null);
    var unknown = get("?since=99", null, null);
    assertThat(contentType(old)).startsWith("application/json");
    assertThat(contentType(unknown)).startsWith("application/json");
    assertThat(MeshConfigJson.read(new String(old.body(), "UTF-8"))).isEqualTo(hub.current());
    MeshConfigDelta twoSteps =
        MeshConfigJson.readDelta(new String(get("?since=12", null, null).body(), "UTF-8"));
    assertThat(twoSteps.applyTo(mesh(12, 50, 12))).isEqualTo(hub.current());
  }

  @Test
  void aDeltaNoSmallerThanTheWholeConfigIsNotSent() throws Exception {
    start(4);
    hub.publish(mesh(10, 10, -1), true);
    // Nearly everything changed: the delta would carry the one listener left, renamed, and the ten
    // keys it replaces; the whole config is that listener alone.
    ListenerConfig old = hub.current().listeners().get(0);
    ListenerConfig renamed =
        new ListenerConfig(
            old.namespace(), "renamed", 80, old.protocol(), old.proxyPort(), old.route());
    hub.publish(new MeshConfig(11, "mesh", List.of(renamed)), true);

    var r = get("?since=10", null, null);

    assertThat(contentType(r)).startsWith("application/json");
    assertThat(MeshConfigJson.read(new String(r.body(), "UTF-8"))).isEqualTo(hub.current());
    assertThat(
            MeshConfigJson.writeBytes(
                    MeshConfigDelta.between(mesh(10, 10, -1), hub.current()).orElseThrow())
                .length)
        .isGreaterThan(r.body().length);
  }

  @Test
  void theHistorySharesUnchangedListenersBetweenVersions() {
    hub = new ConfigHub(MeshConfig.empty(), 4);
    hub.publish(mesh(10, 20, -1), true);
    ServedConfig ten = hub.served();
    // Compiled afresh: equal listeners, but new objects, as a compiler may produce them.
    hub.publish(mesh(11, 20, 5), true);
    ServedConfig eleven = hub.served();

    assertThat(eleven.config().listeners().get(0)).isNotSameAs(ten.config().listeners().get(0));
    assertThat(eleven.shared().listeners().get(0)).isSameAs(ten.shared().listeners().get(0));
    assertThat(eleven.shared().listeners().get(5)).isNotSameAs(ten.shared().listeners().get(5));
    assertThat(eleven.shared()).isEqualTo(eleven.config());
  }

  @Test
  void withoutHistoryEveryAnswerIsFull() throws Exception {
    start(0);
    hub.publish(mesh(10, 5, -1), true);
    hub.publish(mesh(11, 5, 1), true);
    assertThat(contentType(get("?since=10", null, null))).startsWith("application/json");
  }

  @Test
  void theHistoryPropertyTurnsDeltasOffForTheControllersHub() throws Exception {
    System.setProperty(ConfigHub.HISTORY_PROPERTY, "0");
    try {
      hub = new ConfigHub(MeshConfig.empty());
    } finally {
      System.clearProperty(ConfigHub.HISTORY_PROPERTY);
    }
    hub.publish(mesh(10, 5, -1), true);
    hub.publish(mesh(11, 5, 1), true);
    assertThat(hub.served().deltaFrom(10)).isEmpty();
  }

  @Test
  void aSinceThatIsNotAVersionIsABadRequest() throws Exception {
    start(2);
    var r = get("?since=yesterday", null, null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(new String(r.body(), "UTF-8")).contains("since must be a config version");
  }

  @Test
  void readsAcceptEncodingWeights() {
    assertThat(ConfigApi.acceptsGzip("gzip")).isTrue();
    assertThat(ConfigApi.acceptsGzip("br, GZIP;q=0.5")).isTrue();
    assertThat(ConfigApi.acceptsGzip("x-gzip")).isTrue();
    assertThat(ConfigApi.acceptsGzip("*")).isTrue();
    assertThat(ConfigApi.acceptsGzip("gzip;q=0")).isFalse();
    assertThat(ConfigApi.acceptsGzip("*;q=1, gzip;q=0")).isFalse();
    assertThat(ConfigApi.acceptsGzip("identity")).isFalse();
    assertThat(ConfigApi.acceptsGzip("gzip;q=x")).isFalse();
  }
}
