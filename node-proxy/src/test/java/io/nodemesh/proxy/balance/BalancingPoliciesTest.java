package io.nodemesh.proxy.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.config.ServicePolicy.Balancing;
import io.nodemesh.config.ServicePolicy.HashOn;
import io.nodemesh.config.ServicePolicy.LbPolicy;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The distribution each lb policy gives, on endpoint states driven by hand. */
class BalancingPoliciesTest {
  static final int N = 20_000;

  final EndpointRegistry registry = new EndpointRegistry();

  static ServicePolicy policy(Balancing b) {
    return new ServicePolicy(null, b, null, null, null, null, null);
  }

  static ServicePolicy policy(LbPolicy p) {
    return policy(new Balancing(p, null, null, true));
  }

  static List<EndpointConfig> endpoints(int n) {
    List<EndpointConfig> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(EndpointConfig.ready("10.0.0." + i, 8080));
    }
    return out;
  }

  CompiledBackend backend(ServicePolicy p, List<EndpointConfig> eps, String node) {
    return new CompiledBackend(new BackendConfig("web", 1, eps), p, registry, node);
  }

  static Map<String, Integer> count(CompiledBackend b, int n) {
    Map<String, Integer> seen = new HashMap<>();
    long now = System.nanoTime();
    for (int i = 0; i < n; i++) {
      seen.merge(b.choose(OptionalLong.empty(), null, now).target().authority(), 1, Integer::sum);
    }
    return seen;
  }

  EndpointState state(String ip) {
    return registry.state(EndpointConfig.ready(ip, 8080));
  }

  @Test
  void roundRobinIsExactlyEven() {
    Map<String, Integer> seen =
        count(backend(policy(LbPolicy.ROUND_ROBIN), endpoints(4), null), 400);
    assertThat(seen.values()).containsOnly(100);
  }

  @Test
  void randomIsEvenWithinFivePercent() {
    Map<String, Integer> seen = count(backend(policy(LbPolicy.RANDOM), endpoints(4), null), N);
    assertThat(seen).hasSize(4);
    assertThat(seen.values())
        .allSatisfy(c -> assertThat(c).isBetween(N / 4 * 95 / 100, N / 4 * 105 / 100));
  }

  @Test
  void leastRequestNeverPicksTheBusiestOfThreeAndSplitsTheRestEvenly() {
    CompiledBackend b = backend(policy(LbPolicy.LEAST_REQUEST), endpoints(3), null);
    EndpointState busy = state("10.0.0.1");
    for (int i = 0; i < 5; i++) {
      busy.started();
    }
    Map<String, Integer> seen = count(b, N);
    assertThat(seen).doesNotContainKey("10.0.0.1:8080");
    assertThat(seen.get("10.0.0.2:8080")).isBetween(N * 45 / 100, N * 55 / 100);
  }

  @Test
  void leastRequestFollowsLoadAsRequestsStartAndEnd() {
    CompiledBackend b = backend(policy(LbPolicy.LEAST_REQUEST), endpoints(2), null);
    long now = System.nanoTime();
    // Requests that never end pile up; P2C over two endpoints alternates to keep them level.
    for (int i = 0; i < 100; i++) {
      b.choose(OptionalLong.empty(), null, now).started();
    }
    assertThat(state("10.0.0.1").outstanding()).isEqualTo(50);
    assertThat(state("10.0.0.2").outstanding()).isEqualTo(50);
  }

  @Test
  void peakEwmaSendsLittleToASlowEndpoint() {
    CompiledBackend b = backend(policy(LbPolicy.EWMA), endpoints(3), null);
    long now = System.nanoTime();
    state("10.0.0.1").observe(200_000_000L, now);
    state("10.0.0.2").observe(2_000_000L, now);
    state("10.0.0.3").observe(2_000_000L, now);
    Map<String, Integer> seen = count(b, N);
    // P2C: the slow one wins no comparison; it is never picked while the others are idle.
    assertThat(seen.getOrDefault("10.0.0.1:8080", 0)).isZero();
    assertThat(seen.get("10.0.0.2:8080")).isBetween(N * 45 / 100, N * 55 / 100);
  }

  @Test
  void peakEwmaWeighsLatencyByLoad() {
    long now = System.nanoTime();
    EndpointState fastButBusy = state("10.0.0.1");
    EndpointState slowIdle = state("10.0.0.2");
    fastButBusy.observe(10_000_000L, now);
    slowIdle.observe(30_000_000L, now);
    assertThat(fastButBusy.ewmaScore(now)).isLessThan(slowIdle.ewmaScore(now));
    for (int i = 0; i < 5; i++) {
      fastButBusy.started();
    }
    assertThat(fastButBusy.ewmaScore(now)).isGreaterThan(slowIdle.ewmaScore(now));
    // A peak is taken at once; a fast answer only pulls the average down gradually.
    slowIdle.observe(1_000_000L, now + 1_000_000);
    assertThat(slowIdle.ewmaScore(now + 1_000_000)).isGreaterThan(29_000_000.0);
  }

  @Test
  void consistentHashKeepsAKeyOnOneEndpointAndSpreadsKeysEvenly() {
    Balancing byHeader = new Balancing(LbPolicy.CONSISTENT_HASH, HashOn.HEADER, "x-user", true);
    CompiledBackend b = backend(policy(byHeader), endpoints(4), null);
    Map<String, Integer> perEndpoint = new HashMap<>();
    Map<String, String> owner = new HashMap<>();
    long now = System.nanoTime();
    for (int u = 0; u < 4000; u++) {
      var headers = new DefaultHttpHeaders().add("X-User", "user-" + u);
      String first = b.choose(b.key(headers, null), null, now).target().authority();
      for (int again = 0; again < 3; again++) {
        assertThat(b.choose(b.key(headers, null), null, now).target().authority()).isEqualTo(first);
      }
      owner.put("user-" + u, first);
      perEndpoint.merge(first, 1, Integer::sum);
    }
    assertThat(perEndpoint.values()).allSatisfy(c -> assertThat(c).isBetween(700, 1300));

    // One endpoint gone: only its keys move.
    CompiledBackend three =
        new CompiledBackend(
            new BackendConfig("web", 1, endpoints(4).subList(0, 3)),
            policy(byHeader),
            registry,
            null);
    int moved = 0;
    for (var e : owner.entrySet()) {
      var headers = new DefaultHttpHeaders().add("X-User", e.getKey());
      String now3 = three.choose(three.key(headers, null), null, now).target().authority();
      if (!now3.equals(e.getValue())) {
        moved++;
        assertThat(e.getValue()).isEqualTo("10.0.0.4:8080");
      }
    }
    assertThat(moved).isEqualTo(perEndpoint.get("10.0.0.4:8080"));
  }

  @Test
  void consistentHashByCookieAndBySourceIp() throws Exception {
    CompiledBackend byCookie =
        backend(
            policy(new Balancing(LbPolicy.CONSISTENT_HASH, HashOn.COOKIE, "sid", true)),
            endpoints(5),
            null);
    var a = new DefaultHttpHeaders().add("Cookie", "theme=dark; sid=abc123");
    var b = new DefaultHttpHeaders().add("Cookie", "sid=abc123");
    assertThat(byCookie.key(a, null)).isEqualTo(byCookie.key(b, null)).isPresent();
    assertThat(byCookie.key(new DefaultHttpHeaders(), null)).isEmpty();

    CompiledBackend bySource =
        backend(
            policy(new Balancing(LbPolicy.CONSISTENT_HASH, HashOn.SOURCE_IP, null, true)),
            endpoints(5),
            null);
    InetAddress client = InetAddress.getByName("10.1.2.3");
    long now = System.nanoTime();
    String first = bySource.choose(bySource.key(null, client), null, now).target().authority();
    for (int i = 0; i < 10; i++) {
      assertThat(bySource.choose(bySource.key(null, client), null, now).target().authority())
          .isEqualTo(first);
    }
  }

  @Test
  void sameNodeEndpointsArePreferredWhileUsableAndOnlyWhenConfigured() {
    List<EndpointConfig> eps =
        List.of(
            new EndpointConfig("10.0.0.1", 8080, "node-a", true, true, false),
            new EndpointConfig("10.0.0.2", 8080, "node-b", true, true, false),
            new EndpointConfig("10.0.0.3", 8080, "node-a", true, true, false));
    assertThat(count(backend(policy(LbPolicy.ROUND_ROBIN), eps, "node-a"), 100))
        .containsOnlyKeys("10.0.0.1:8080", "10.0.0.3:8080");
    assertThat(count(backend(policy(LbPolicy.ROUND_ROBIN), eps, "node-c"), 99).values())
        .containsOnly(33);
    ServicePolicy off = policy(new Balancing(LbPolicy.ROUND_ROBIN, null, null, false));
    assertThat(count(backend(off, eps, "node-a"), 99).values()).containsOnly(33);

    // Both local endpoints ejected: the remote one takes over.
    ServicePolicy.Outlier outlier = new ServicePolicy.Outlier(1, 60_000, 100);
    long now = System.nanoTime();
    state("10.0.0.1").onFailure(now, outlier, true);
    state("10.0.0.3").onFailure(now, outlier, true);
    assertThat(count(backend(policy(LbPolicy.ROUND_ROBIN), eps, "node-a"), 10))
        .containsOnlyKeys("10.0.0.2:8080");
  }

  /** Endpoint {@code ip:8080} on no node, with these EndpointSlice conditions. */
  private static EndpointConfig at(String ip, boolean ready, boolean serving, boolean terminating) {
    return new EndpointConfig(ip, 8080, null, ready, serving, terminating);
  }

  @Test
  void readyEndpointsFirstThenServingTerminatingNeverTheRest() {
    List<EndpointConfig> mixed =
        List.of(
            at("10.0.0.1", true, true, false),
            at("10.0.0.2", false, true, true),
            at("10.0.0.3", false, false, false));
    assertThat(count(backend(policy(LbPolicy.ROUND_ROBIN), mixed, null), 10))
        .containsOnlyKeys("10.0.0.1:8080");
    List<EndpointConfig> draining =
        List.of(
            at("10.0.0.2", false, true, true),
            at("10.0.0.4", false, false, true),
            at("10.0.0.3", false, false, false));
    assertThat(count(backend(policy(LbPolicy.ROUND_ROBIN), draining, null), 10))
        .containsOnlyKeys("10.0.0.2:8080");
    List<EndpointConfig> none = List.of(at("10.0.0.3", false, false, false));
    assertThat(backend(policy(LbPolicy.ROUND_ROBIN), none, null).pick()).isNull();
  }
}
