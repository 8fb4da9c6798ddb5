package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteRule;
import io.nodemesh.proxy.mirror.MirrorGate;
import io.nodemesh.testkit.HttpBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * RequestMirror through the real proxy (issue 17, "Done when"): a mirror target that hangs, and one
 * that answers 500, leave the caller's success rate and p99 as they are without a mirror. The three
 * runs share one proxy and one primary backend, so they differ only by the mirror.
 */
class MirrorIT {
  private static final int REQUESTS = 400;
  private static final String BODY = "order=42&item=mirror-me";

  private record Run(String name, double successPercent, long p50Micros, long p99Micros) {}

  @Test
  void aHangingOrFailingMirrorLeavesTheCallerUnchanged() throws Exception {
    try (HttpBackend primary = new HttpBackend("primary");
        HttpBackend hanging = new HttpBackend("hanging");
        HttpBackend failing = new HttpBackend("failing");
        NodeProxy proxy = NodeProxy.start(local());
        ExecutorService pool = Executors.newFixedThreadPool(8)) {
      hanging.hold = new CountDownLatch(1);
      failing.status = n -> 500;
      int port = freePort();
      BackendConfig b = primary.backend("web", 1);
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(10))
              .build();

      proxy.apply(config(1, RouteRulesIT.listener(port, b, rule("shop/web#plain", b, null))));
      run("warm-up", client, port, pool);
      Run none = run("no mirror", client, port, pool);

      BackendConfig hang = new BackendConfig("web-shadow-hang", 0, List.of(hanging.endpoint()));
      proxy.apply(config(2, RouteRulesIT.listener(port, b, rule("shop/web#hang", b, hang))));
      Run withHanging = run("hanging mirror", client, port, pool);

      BackendConfig fail = new BackendConfig("web-shadow-500", 0, List.of(failing.endpoint()));
      proxy.apply(config(3, RouteRulesIT.listener(port, b, rule("shop/web#fail", b, fail))));
      Run withFailing = run("mirror answering 500", client, port, pool);

      for (Run r : List.of(none, withHanging, withFailing)) {
        System.out.printf(
            "mirror: %-22s success %.1f%%  p50 %d us  p99 %d us%n",
            r.name(), r.successPercent(), r.p50Micros(), r.p99Micros());
      }
      assertThat(none.successPercent()).isEqualTo(100.0);
      assertThat(withHanging.successPercent()).isEqualTo(100.0);
      assertThat(withFailing.successPercent()).isEqualTo(100.0);
      // Generous: the mirror shares the event loop with the caller, it must not queue it.
      long bound = Math.max(none.p99Micros() * 5, none.p99Micros() + 250_000);
      assertThat(withHanging.p99Micros()).isLessThanOrEqualTo(bound);
      assertThat(withFailing.p99Micros()).isLessThanOrEqualTo(bound);

      // The copies did go out, with the body, and were counted apart from the caller's requests.
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(failing.requests.get()).isEqualTo(REQUESTS));
      assertThat(failing.bodies).allMatch(BODY::equals);
      assertThat(hanging.received.get()).isBetween(1, MirrorGate.MAX_IN_FLIGHT * 2);
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                Scrape s = Scrape.of(proxy);
                assertThat(
                        s.sum(
                            "nodemesh_route_mirror_requests_total",
                            "route=shop/web#fail",
                            "result=failed"))
                    .isEqualTo(REQUESTS);
                assertThat(
                        s.sum(
                            "nodemesh_route_mirror_requests_total",
                            "route=shop/web#hang",
                            "result=dropped"))
                    .isGreaterThanOrEqualTo(REQUESTS - 2 * MirrorGate.MAX_IN_FLIGHT);
                assertThat(
                        s.sum(
                            "nodemesh_route_requests_total",
                            "route=shop/web#hang",
                            "code_class=2xx"))
                    .isEqualTo(REQUESTS);
              });
      hanging.hold.countDown();
    }
  }

  private static RouteRule rule(String name, BackendConfig b, BackendConfig mirror) {
    List<RouteFilter> filters =
        mirror == null ? List.of() : List.of(new RouteFilter.RequestMirror(mirror, 100));
    return new RouteRule(name, List.of(), filters, List.of(b), 0, null, null, null);
  }

  private static Run run(String name, HttpClient client, int port, ExecutorService pool)
      throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + port + "/orders");
    List<Future<long[]>> futures = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      futures.add(
          pool.submit(
              () -> {
                long t0 = System.nanoTime();
                int status;
                try {
                  status =
                      client
                          .send(
                              HttpRequest.newBuilder(uri)
                                  .timeout(Duration.ofSeconds(30))
                                  .POST(HttpRequest.BodyPublishers.ofString(BODY))
                                  .build(),
                              HttpResponse.BodyHandlers.ofString())
                          .statusCode();
                } catch (java.io.IOException e) {
                  status = -1;
                }
                return new long[] {status, (System.nanoTime() - t0) / 1_000};
              }));
    }
    List<Long> micros = new ArrayList<>();
    int ok = 0;
    for (Future<long[]> f : futures) {
      long[] r = f.get();
      ok += r[0] == 200 ? 1 : 0;
      micros.add(r[1]);
    }
    Collections.sort(micros);
    return new Run(
        name,
        100.0 * ok / REQUESTS,
        micros.get(micros.size() / 2),
        micros.get((int) Math.ceil(micros.size() * 0.99) - 1));
  }
}
