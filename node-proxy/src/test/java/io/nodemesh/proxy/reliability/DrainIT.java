package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.testkit.HttpBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Graceful drain inside one process, for what the SIGTERM test does not cover: HTTP/2. */
class DrainIT {
  @RegisterExtension final HttpBackend backend = HttpBackend.start("web");
  @RegisterExtension final WebProxy web = WebProxy.start(LimitSettings.defaults(), backend);
  final NodeProxy proxy = web.proxy;
  final int port = web.port;

  @Test
  void http2StreamInFlightFinishesWhileTheProxyDrains() throws Exception {
    try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
      HttpRequest get =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build();
      // The first request upgrades the connection to h2c; the second is a stream on it.
      HttpResponse<String> first = client.send(get, HttpResponse.BodyHandlers.ofString());
      assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
      backend.hold = new CountDownLatch(1);
      CompletableFuture<HttpResponse<String>> inFlight =
          client.sendAsync(get, HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(5)).until(() -> backend.received.get() == 2);

      long t0 = System.nanoTime();
      CompletableFuture<Void> closing =
          CompletableFuture.runAsync(proxy::close, Thread.ofVirtual()::start);
      await().atMost(Duration.ofSeconds(3)).until(() -> Ports.refused(port));
      assertThat(closing).isNotDone();
      backend.hold.countDown();
      HttpResponse<String> r = inFlight.get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("web");
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      closing.get();
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(millis).as("drained well before the 10 s drain timeout").isLessThan(5000);
      Load.record(
          "[reliability] drain/http2: in-flight stream finished 200 during drain, proxy closed "
              + millis
              + " ms after close() began");
    }
  }

  @Test
  void priorKnowledgeHttp2GetsGoAwayAndItsOpenStreamFinishes() throws Exception {
    try (H2Wire h2 = new H2Wire(port, 0)) {
      backend.hold = new CountDownLatch(1);
      h2.frame(
              H2Wire.HEADERS,
              H2Wire.END_STREAM | H2Wire.END_HEADERS,
              1,
              H2Wire.getHeaders("web.default.mesh"))
          .flush();
      await().atMost(Duration.ofSeconds(5)).until(() -> backend.received.get() == 1);
      CompletableFuture<Void> closing =
          CompletableFuture.runAsync(proxy::close, Thread.ofVirtual()::start);
      H2Wire.Frame goAway = h2.readUntil(H2Wire.GOAWAY);
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isZero();
      assertThat(closing).isNotDone();
      backend.hold.countDown();
      H2Wire.Frame data = h2.readUntil(H2Wire.DATA);
      assertThat(data).isNotNull();
      assertThat(data.stream()).isEqualTo(1);
      assertThat(new String(data.payload(), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo("web");
      assertThat(h2.closedWithin(5000)).isTrue();
      closing.get();
    }
  }
}
