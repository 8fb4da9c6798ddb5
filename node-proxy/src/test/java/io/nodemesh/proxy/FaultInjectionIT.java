package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.RouteRule;
import io.nodemesh.testkit.HttpBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Fault injection per route rule through the real proxy (issue 17, "Done when"): over 2,000
 * requests the injected abort and delay shares are each within 2 points of what the rule says.
 */
class FaultInjectionIT {
  private static final int REQUESTS = 2_000;
  private static final long DELAY_MILLIS = 300;

  private record Outcome(int status, long millis, String body) {}

  @Test
  void abortAndDelaySharesAreWithinTwoPointsOver2000Requests() throws Exception {
    double abortPercent = 10;
    double delayPercent = 20;
    try (HttpBackend v1 = new HttpBackend("v1");
        NodeProxy proxy = NodeProxy.start(local());
        ExecutorService pool = Executors.newFixedThreadPool(16)) {
      int port = freePort();
      BackendConfig b = v1.backend("web", 1);
      RouteRule faulty =
          new RouteRule(
              "shop/web#0",
              List.of(),
              List.of(),
              List.of(b),
              0,
              null,
              null,
              new RouteRule.Fault(
                  new RouteRule.Fault.Delay(DELAY_MILLIS, delayPercent),
                  new RouteRule.Fault.Abort(503, null, abortPercent)));
      proxy.apply(config(1, RouteRulesIT.listener(port, b, faulty)));
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      URI uri = URI.create("http://127.0.0.1:" + port + "/");
      List<Future<Outcome>> futures = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        futures.add(
            pool.submit(
                () -> {
                  long t0 = System.nanoTime();
                  HttpResponse<String> r =
                      client.send(
                          HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                          HttpResponse.BodyHandlers.ofString());
                  return new Outcome(
                      r.statusCode(), (System.nanoTime() - t0) / 1_000_000, r.body());
                }));
      }
      List<Outcome> outcomes = new ArrayList<>();
      for (Future<Outcome> f : futures) {
        outcomes.add(f.get());
      }
      List<Outcome> aborted =
          outcomes.stream()
              .filter(o -> o.status() == 503 && o.body().contains("fault injected"))
              .toList();
      List<Outcome> forwarded = outcomes.stream().filter(o -> o.status() == 200).toList();
      assertThat(aborted.size() + forwarded.size()).isEqualTo(REQUESTS);
      // A delayed request cannot be answered before its delay; an undelayed one on loopback is
      // answered far sooner, so the delay is seen in each request's latency.
      List<Long> delayed =
          forwarded.stream().map(Outcome::millis).filter(ms -> ms >= DELAY_MILLIS).toList();
      List<Long> fast =
          new ArrayList<>(
              forwarded.stream().map(Outcome::millis).filter(ms -> ms < DELAY_MILLIS).toList());
      double abortShare = 100.0 * aborted.size() / REQUESTS;
      // Delay is drawn for the requests that were not aborted.
      double delayShare = 100.0 * delayed.size() / forwarded.size();
      List<Long> sortedDelayed = new ArrayList<>(delayed);
      Collections.sort(sortedDelayed);
      Collections.sort(fast);
      System.out.printf(
          "fault injection over %d requests: aborted %.2f%% (asked %.0f%%), delayed %.2f%% of"
              + " forwarded (asked %.0f%%); delayed latency min %d ms median %d ms; undelayed"
              + " median %d ms%n",
          REQUESTS,
          abortShare,
          abortPercent,
          delayShare,
          delayPercent,
          sortedDelayed.isEmpty() ? -1 : sortedDelayed.get(0),
          sortedDelayed.isEmpty() ? -1 : sortedDelayed.get(sortedDelayed.size() / 2),
          fast.isEmpty() ? -1 : fast.get(fast.size() / 2));
      assertThat(abortShare).isBetween(abortPercent - 2, abortPercent + 2);
      assertThat(delayShare).isBetween(delayPercent - 2, delayPercent + 2);
      // The backend saw exactly the forwarded requests: an abort never reaches it.
      assertThat(v1.requests.get()).isEqualTo(forwarded.size());
    }
  }
}
