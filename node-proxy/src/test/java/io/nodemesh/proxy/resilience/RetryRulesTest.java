package io.nodemesh.proxy.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.balance.Call;
import io.nodemesh.proxy.balance.CompiledRoute;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import io.nodemesh.testkit.MeshConfigs;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The retry decision of a {@link Call}, without sockets. */
class RetryRulesTest {
  final ResilienceRegistry registry = new ResilienceRegistry(null);

  CompiledRoute route(ServicePolicy.Retry retry, int endpoints) {
    List<EndpointConfig> eps =
        java.util.stream.IntStream.rangeClosed(1, endpoints)
            .mapToObj(i -> EndpointConfig.ready("10.0.0." + i, 80))
            .toList();
    ListenerConfig l =
        MeshConfigs.Listener.SHOP_WEB.on(
            5000,
            RouteConfig.direct(new BackendConfig("web", 1, eps)),
            new ServicePolicy(null, null, null, retry, null, null, null));
    return new CompiledRoute(l, registry);
  }

  static Call call(CompiledRoute r, String method) {
    return ((Pick.Forward) r.pick(method, "/", new DefaultHttpHeaders())).call();
  }

  @Test
  void aPostIsRetriedAfterAConnectFailureOnlyAndOnAnotherEndpoint() {
    CompiledRoute r = route(new ServicePolicy.Retry(3, 0, 1, 1, 1.0, 100), 2);
    long now = System.nanoTime();
    Call post = call(r, "POST");
    String first = post.target().authority();
    assertThat(post.wantsReplay()).isFalse();
    assertThat(post.retryAfter(Failure.CONNECT, true, Long.MAX_VALUE, now)).isNotNegative();
    assertThat(post.target().authority()).isNotEqualTo(first);
    for (Failure reached : List.of(Failure.RESET, Failure.TIMEOUT, Failure.STATUS)) {
      Call p = call(r, "POST");
      assertThat(p.retryAfter(reached, true, Long.MAX_VALUE, now)).as(reached.name()).isNegative();
    }
  }

  @Test
  void anIdempotentRequestIsRetriedWhileReplayableUpToTheAttempts() {
    CompiledRoute r = route(new ServicePolicy.Retry(2, 0, 1, 1, 1.0, 100), 1);
    long now = System.nanoTime();
    Call get = call(r, "GET");
    assertThat(get.wantsReplay()).isTrue();
    assertThat(get.retryAfter(Failure.STATUS, false, Long.MAX_VALUE, now)).isNegative();
    Call put = call(r, "PUT");
    assertThat(put.retryAfter(Failure.RESET, true, Long.MAX_VALUE, now)).isNotNegative();
    assertThat(put.retryAfter(Failure.TIMEOUT, true, Long.MAX_VALUE, now)).isNotNegative();
    assertThat(put.retryAfter(Failure.STATUS, true, Long.MAX_VALUE, now)).isNegative();
    assertThat(put.retries()).isEqualTo(2);
  }

  @Test
  void noRetryPastTheDeadlineOrWithRetriesOff() {
    long now = System.nanoTime();
    Call late = call(route(new ServicePolicy.Retry(2, 0, 100, 100, 1.0, 100), 2), "GET");
    // The backoff ceiling is 100 ms; a deadline 0 ns away leaves no room for any wait.
    assertThat(late.retryAfter(Failure.CONNECT, true, now, now)).isNegative();
    Call off = call(route(ServicePolicy.Retry.DEFAULTS, 2), "GET");
    assertThat(off.retryAfter(Failure.CONNECT, true, Long.MAX_VALUE, now)).isNegative();
  }

  @Test
  void theBudgetCapsRetriesAtItsRatioOfRequests() {
    // 10% of requests, no floor: 100 requests allow 10 retries.
    CompiledRoute r = route(new ServicePolicy.Retry(1, 0, 1, 1, 0.1, 0), 2);
    long now = System.nanoTime();
    int retried = 0;
    for (int i = 0; i < 100; i++) {
      Call c = call(r, "GET");
      if (c.retryAfter(Failure.CONNECT, true, Long.MAX_VALUE, now) >= 0) {
        retried++;
      }
      c.done();
    }
    assertThat(retried).isEqualTo(10);
  }

  @Test
  void backoffGrowsExponentiallyWithFullJitterUnderTheCap() {
    long max1 = 0;
    long max4 = 0;
    for (int i = 0; i < 2000; i++) {
      long d1 = Backoff.delayNanos(10, 1000, 0);
      long d4 = Backoff.delayNanos(10, 1000, 3);
      assertThat(d1).isBetween(0L, 10_000_000L);
      assertThat(d4).isBetween(0L, 80_000_000L);
      max1 = Math.max(max1, d1);
      max4 = Math.max(max4, d4);
    }
    assertThat(max1).isGreaterThan(8_000_000L);
    assertThat(max4).isGreaterThan(64_000_000L);
    assertThat(Backoff.delayNanos(10, 50, 20)).isLessThan(50_000_000L);
  }
}
