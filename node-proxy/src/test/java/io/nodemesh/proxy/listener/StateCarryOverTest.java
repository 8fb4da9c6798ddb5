package io.nodemesh.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.balance.EndpointState;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.resilience.CircuitBreaker;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A config update carries the breaker, ejection and in-flight state of the endpoints and backends
 * it keeps, drops the state of those it removes, and changes nothing until it is committed.
 */
class StateCarryOverTest {
  /** One failure opens the circuit for a minute; one failure ejects an endpoint for a minute. */
  private static final ServicePolicy FRAGILE =
      new ServicePolicy(
          null,
          null,
          null,
          null,
          new ServicePolicy.CircuitBreaker(1, 0, 0, 0, 60_000, 0),
          new ServicePolicy.Outlier(1, 60_000, 100),
          null);

  private final ProxyMetrics metrics = new ProxyMetrics();
  private final ResilienceRegistry registry = new ResilienceRegistry(null);
  private final RoutingState state = new RoutingState(registry);

  private static ListenerConfig listener(
      String svc, int proxyPort, ServicePolicy policy, String... ips) {
    List<EndpointConfig> eps =
        Arrays.stream(ips).map(ip -> EndpointConfig.ready(ip, 8080)).toList();
    return new ListenerConfig(
        "ns",
        svc,
        80,
        Protocol.HTTP,
        proxyPort,
        RouteConfig.direct(new BackendConfig(svc, 1, eps)),
        policy);
  }

  private RoutingTable apply(MeshConfig config) {
    RoutingTable next = RoutingTable.compile(config, metrics, state, state.current());
    state.commit(next);
    return next;
  }

  /** The breaker the state holds for a listener's root backend; looking through a draft keeps. */
  private CircuitBreaker breaker(ListenerConfig l) {
    return registry.draft().breaker(l.key(), l.service(), l.policy().circuitBreaker());
  }

  /** The state the registry holds for an endpoint (a new one, left in the draft, if none). */
  private EndpointState endpoint(String ip) {
    return registry.draft().endpoints().state(EndpointConfig.ready(ip, 8080));
  }

  private static String pick(RoutingTable t, ListenerConfig l) {
    return switch (t.byProxyPort(l.proxyPort())
        .route()
        .pick("GET", "/", EmptyHttpHeaders.INSTANCE)) {
      case Pick.Forward f -> f.target().authority();
      case Pick.Unavailable u -> u.message();
    };
  }

  @Test
  void anUpdateCarriesBreakerEjectionAndInFlightStateAndDropsWhatItRemoves() {
    ListenerConfig guarded = listener("guarded", 20000, FRAGILE, "10.0.0.1");
    ListenerConfig pool = listener("pool", 20001, FRAGILE, "10.0.1.1", "10.0.1.2");
    ListenerConfig gone = listener("gone", 20002, FRAGILE, "10.0.2.1");
    apply(new MeshConfig(1, "mesh", List.of(guarded, pool, gone)));
    long now = System.nanoTime();
    CircuitBreaker open = breaker(guarded);
    open.onFailure(open.tryAcquire(now), now);
    EndpointState ejected = endpoint("10.0.1.1");
    assertThat(ejected.onFailure(now, FRAGILE.outlier(), true)).isTrue();
    EndpointState busy = endpoint("10.0.1.2");
    busy.started();
    CircuitBreaker goneBreaker = breaker(gone);
    EndpointState goneEndpoint = endpoint("10.0.2.1");
    goneEndpoint.started();

    // Every listener changes (one more endpoint each), "gone" goes, "added" comes.
    ListenerConfig guarded2 = listener("guarded", 20000, FRAGILE, "10.0.0.1", "10.0.0.2");
    ListenerConfig pool2 = listener("pool", 20001, FRAGILE, "10.0.1.1", "10.0.1.2", "10.0.1.3");
    ListenerConfig added = listener("added", 20003, FRAGILE, "10.0.3.1");
    MeshConfig v2 = new MeshConfig(2, "mesh", List.of(guarded2, pool2, added));
    RoutingTable compiled = RoutingTable.compile(v2, metrics, state, state.current());
    assertThat(registry.endpoints().size()).as("before the commit").isEqualTo(4);
    assertThat(breaker(gone)).as("before the commit").isSameAs(goneBreaker);
    assertThat(state.current().version()).isEqualTo(1);

    state.commit(compiled);
    assertThat(state.current()).isSameAs(compiled);
    assertThat(breaker(guarded2)).isSameAs(open);
    assertThat(open.state(now)).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(pick(compiled, guarded2)).startsWith("circuit breaker open");
    assertThat(endpoint("10.0.1.1")).isSameAs(ejected);
    assertThat(ejected.isEjected(System.nanoTime())).isTrue();
    assertThat(endpoint("10.0.1.2")).isSameAs(busy);
    assertThat(busy.outstanding()).isEqualTo(1);
    for (int i = 0; i < 6; i++) {
      assertThat(pick(compiled, pool2)).isNotEqualTo("10.0.1.1:8080");
    }
    // What the update removed is forgotten: the same names later start afresh.
    assertThat(registry.endpoints().size()).isEqualTo(2 + 3 + 1);
    assertThat(endpoint("10.0.2.1")).isNotSameAs(goneEndpoint);
    assertThat(breaker(gone)).isNotSameAs(goneBreaker);
    apply(new MeshConfig(3, "mesh", List.of(guarded2, pool2, added, gone)));
    assertThat(endpoint("10.0.2.1").outstanding()).isZero();
    assertThat(breaker(gone).state(System.nanoTime())).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void aRejectedConfigLeavesTheStateInForceAndTheNextOneReusesTheTable() {
    ListenerConfig guarded = listener("guarded", 20000, FRAGILE, "10.0.0.1");
    ListenerConfig other = listener("other", 20001, FRAGILE, "10.0.1.1");
    RoutingTable first = apply(new MeshConfig(1, "mesh", List.of(guarded, other)));
    long now = System.nanoTime();
    CircuitBreaker open = breaker(guarded);
    open.onFailure(open.tryAcquire(now), now);

    // A breaker policy change for "guarded" compiles before the bad listener fails the config.
    ServicePolicy patient =
        new ServicePolicy(
            null,
            null,
            null,
            null,
            new ServicePolicy.CircuitBreaker(5, 0, 0, 0, 60_000, 0),
            FRAGILE.outlier(),
            null);
    ListenerConfig bad =
        new ListenerConfig(
            "ns",
            "bad",
            80,
            Protocol.HTTP,
            20002,
            RouteConfig.direct(
                new BackendConfig("bad", 1, List.of(EndpointConfig.ready("bad.local", 80)))));
    MeshConfig rejected =
        new MeshConfig(
            2, "mesh", List.of(listener("guarded", 20000, patient, "10.0.0.1", "10.0.9.9"), bad));
    assertThatThrownBy(() -> RoutingTable.compile(rejected, metrics, state, state.current()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad");

    assertThat(state.current()).isSameAs(first);
    assertThat(registry.endpoints().size()).isEqualTo(2);
    assertThat(breaker(guarded)).isSameAs(open);
    RoutingTable next = apply(new MeshConfig(3, "mesh", List.of(guarded, other)));
    assertThat(next.byProxyPort(20000)).isSameAs(first.byProxyPort(20000));
    assertThat(pick(next, guarded)).startsWith("circuit breaker open");
  }

  @Test
  void aCompileLeftUncommittedDoesNotRewireTheBreakersInForce() {
    ListenerConfig guarded = listener("guarded", 20000, FRAGILE, "10.0.0.1");
    MeshConfig v1 = new MeshConfig(1, "mesh", List.of(guarded));
    apply(v1);
    ProxyMetrics elsewhere = new ProxyMetrics();
    RoutingTable.compile(v1, elsewhere, state, state.current());

    long now = System.nanoTime();
    CircuitBreaker breaker = breaker(guarded);
    breaker.onFailure(breaker.tryAcquire(now), now);
    assertThat(metrics.scrape()).contains(OPEN_GAUGE + "1.0");
    assertThat(elsewhere.scrape()).doesNotContain(OPEN_GAUGE);
  }

  private static final String OPEN_GAUGE =
      "nodemesh_circuit_breaker_open{backend=\"guarded\",namespace=\"ns\",port=\"80\",service=\"guarded\"} ";

  @Test
  void aTableCommitsOnlyToTheStateItWasCompiledAgainst() {
    MeshConfig v1 = new MeshConfig(1, "mesh", List.of(listener("a", 20000, FRAGILE, "10.0.0.1")));
    RoutingTable t = RoutingTable.compile(v1, metrics, state, null);
    RoutingState other = new RoutingState(new ResilienceRegistry(null));
    assertThatThrownBy(() -> other.commit(t)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> state.commit(RoutingTable.empty()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(other.current().version()).isEqualTo(-1);
  }
}
