package io.nodemesh.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.balance.Pick;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class IncrementalCompileTest {
  private final ProxyMetrics metrics = new ProxyMetrics();
  private final ResilienceRegistry registry = new ResilienceRegistry(null);
  private final RoutingState state = new RoutingState(registry);

  /** Compiles from the table in force and commits, as the proxy applies a config. */
  private RoutingTable apply(MeshConfig config) {
    RoutingTable next = RoutingTable.compile(config, metrics, state, state.current());
    state.commit(next);
    return next;
  }

  private static ListenerConfig listener(
      String svc, Protocol protocol, int proxyPort, int firstIp, int endpoints) {
    List<EndpointConfig> eps = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      eps.add(EndpointConfig.ready("10.1." + (firstIp / 250) + "." + (firstIp % 250 + i), 8080));
    }
    return new ListenerConfig(
        "ns", svc, 80, protocol, proxyPort, RouteConfig.direct(new BackendConfig(svc, 1, eps)));
  }

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  private static AccessConfig access(String identityIp) {
    return new AccessConfig(true, Map.of(identityIp, "ns/client"), List.of());
  }

  private static CompiledListener at(RoutingTable t, ListenerConfig l) {
    return switch (l.protocol()) {
      case TCP -> t.tcpByProxyPort(l.proxyPort());
      case UDP -> t.udpByProxyPort(l.proxyPort());
      default -> t.byProxyPort(l.proxyPort());
    };
  }

  @Test
  void aOneListenerChangeRecompilesOnlyThatListener() {
    ListenerConfig a = listener("a", Protocol.HTTP, 20000, 0, 2);
    ListenerConfig b = listener("b", Protocol.HTTP, 20001, 10, 2);
    ListenerConfig t = listener("t", Protocol.TCP, 20002, 20, 2);
    ListenerConfig u = listener("u", Protocol.UDP, 20003, 30, 2);
    MeshConfig v1 = new MeshConfig(1, "mesh", List.of(a, b, t, u));
    RoutingTable first = apply(v1);

    ListenerConfig b2 = listener("b", Protocol.HTTP, 20001, 40, 3);
    ListenerConfig c = listener("c", Protocol.HTTP, 20004, 50, 1);
    // u removed, c added, b changed; t arrives as an equal copy (a full body, not a delta).
    ListenerConfig tCopy = listener("t", Protocol.TCP, 20002, 20, 2);
    MeshConfig v2 = new MeshConfig(2, "mesh", List.of(a, b2, tCopy, c));
    RoutingTable second = apply(v2);

    assertThat(at(second, a)).isSameAs(at(first, a));
    assertThat(at(second, tCopy)).isSameAs(at(first, t));
    assertThat(at(second, b2)).isNotSameAs(at(first, b));
    assertThat(at(second, b2).config()).isSameAs(b2);
    assertThat(at(second, c).config()).isSameAs(c);
    assertThat(second.udpByProxyPort(20003)).isNull();
    assertThat(second.resolveHost("b.ns.mesh")).isEqualTo(new HostLookup.Found(at(second, b2)));
    assertThat(registry.endpoints().size()).isEqualTo(2 + 3 + 2 + 1);
  }

  @Test
  void anAccessChangeRenewsEveryGuardButKeepsRoutesAndMeters() {
    ListenerConfig a = listener("a", Protocol.HTTP, 20000, 0, 2);
    ListenerConfig t = listener("t", Protocol.TCP, 20001, 10, 2);
    RoutingTable first = apply(new MeshConfig(1, "mesh", List.of(a, t), access("10.9.0.1")));
    RoutingTable second = apply(new MeshConfig(2, "mesh", List.of(a, t), access("10.9.0.2")));

    for (ListenerConfig l : List.of(a, t)) {
      CompiledListener before = at(first, l);
      CompiledListener after = at(second, l);
      assertThat(after).isNotSameAs(before);
      assertThat(after.route()).isSameAs(before.route());
      assertThat(after.metrics()).isSameAs(before.metrics());
      assertThat(before.access().identity(ip("10.9.0.2"))).isNull();
      assertThat(after.access().identity(ip("10.9.0.2"))).isEqualTo("ns/client");
    }
  }

  @Test
  void anotherRegistryOrMetricsCompilesEverything() {
    ListenerConfig a = listener("a", Protocol.HTTP, 20000, 0, 2);
    MeshConfig v1 = new MeshConfig(1, "mesh", List.of(a));
    RoutingTable first = apply(v1);

    assertThat(at(RoutingTable.compile(v1, metrics, state, first), a)).isSameAs(at(first, a));
    RoutingState other = new RoutingState(new ResilienceRegistry(null));
    assertThat(at(RoutingTable.compile(v1, metrics, other, first), a)).isNotSameAs(at(first, a));
    assertThat(at(RoutingTable.compile(v1, new ProxyMetrics(), state, first), a))
        .isNotSameAs(at(first, a));
    assertThat(at(RoutingTable.compile(v1, metrics, state, RoutingTable.empty()), a))
        .isNotSameAs(at(first, a));
  }

  @Test
  void randomChangeSequencesRouteAsAFromScratchCompile() {
    long seed = new Random().nextLong();
    Random rnd = new Random(seed);
    Protocol[] protocols = {Protocol.HTTP, Protocol.HTTP, Protocol.TCP, Protocol.UDP};
    Map<String, ListenerConfig> live = new HashMap<>();
    int nextPort = 20000;
    int nextIp = 0;
    for (int i = 0; i < 30; i++) {
      live.put("s" + i, listener("s" + i, protocols[i % 4], nextPort++, nextIp += 5, 1 + i % 3));
    }
    AccessConfig access = AccessConfig.disabled();
    RoutingTable incremental = apply(config(0, live, access));
    for (int step = 1; step <= 60; step++) {
      List<String> names = new ArrayList<>(new TreeSet<>(live.keySet()));
      String name = names.get(rnd.nextInt(names.size()));
      ListenerConfig old = live.get(name);
      switch (rnd.nextInt(7)) {
        case 0 -> live.put(name, listener(name, old.protocol(), old.proxyPort(), nextIp += 5, 2));
        case 1 -> live.remove(name);
        case 2 -> live.put("n" + step, listener("n" + step, protocols[step % 4], nextPort++, 1, 2));
        case 3 -> live.put(name, split(old, 1 + rnd.nextInt(3)));
        case 4 -> access = access("10.1.0." + rnd.nextInt(250));
        case 5 -> live.put(name, listener(name, old.protocol(), nextPort++, nextIp += 5, 1));
        default -> {} // nothing changed: the same config again
      }
      MeshConfig next = config(step, live, access);
      incremental = apply(next);
      ResilienceRegistry fresh = new ResilienceRegistry(null);
      RoutingTable scratch = RoutingTable.compile(next, new ProxyMetrics(), fresh);
      assertSameRouting(next, incremental, scratch, "seed " + seed + " step " + step);
      assertThat(registry.endpoints().size())
          .as("seed %d step %d endpoint states", seed, step)
          .isEqualTo(fresh.endpoints().size());
    }
  }

  private static MeshConfig config(long version, Map<String, ListenerConfig> live, AccessConfig a) {
    return new MeshConfig(version, "mesh", List.copyOf(live.values()), a);
  }

  private static ListenerConfig split(ListenerConfig l, int canaryWeight) {
    BackendConfig root = l.route().root();
    BackendConfig canary =
        new BackendConfig(
            l.service() + "-canary",
            canaryWeight,
            List.of(EndpointConfig.ready("10.2.0." + canaryWeight, 8080)));
    BackendConfig stable = new BackendConfig(root.service(), 1, root.endpoints());
    return new ListenerConfig(
        l.namespace(),
        l.service(),
        l.port(),
        l.protocol(),
        l.proxyPort(),
        new RouteConfig(root, List.of(stable, canary), List.of(), "split"));
  }

  private static void assertSameRouting(
      MeshConfig config, RoutingTable incremental, RoutingTable scratch, String where) {
    InetAddress peer = ip("10.1.0.7");
    for (ListenerConfig l : config.listeners()) {
      CompiledListener got = at(incremental, l);
      CompiledListener want = at(scratch, l);
      assertThat(got).as(where + " " + l.key()).isNotNull();
      assertThat(got.config()).as(where + " " + l.key()).isEqualTo(want.config());
      assertThat(got.access().enabled()).as(where).isEqualTo(want.access().enabled());
      assertThat(got.access().identity(peer)).as(where).isEqualTo(want.access().identity(peer));
      assertThat(targets(got, l)).as(where + " " + l.key()).isEqualTo(targets(want, l));
      if (l.protocol() == Protocol.HTTP) {
        assertThat(incremental.resolveHost(l.service() + ".ns.mesh"))
            .as(where)
            .isEqualTo(new HostLookup.Found(got));
      }
    }
    for (int port = 20000; port < 20200; port++) {
      assertThat(incremental.byProxyPort(port) == null)
          .isEqualTo(scratch.byProxyPort(port) == null);
      assertThat(incremental.tcpByProxyPort(port) == null)
          .isEqualTo(scratch.tcpByProxyPort(port) == null);
      assertThat(incremental.udpByProxyPort(port) == null)
          .isEqualTo(scratch.udpByProxyPort(port) == null);
    }
  }

  /** Backend and endpoint of enough picks to go round every weight and endpoint twice. */
  private static Set<String> targets(CompiledListener c, ListenerConfig l) {
    int weights = l.route().split().stream().mapToInt(BackendConfig::weight).sum();
    int picks = 2 * Math.max(1, weights) * 3;
    Set<String> seen = new TreeSet<>();
    for (int i = 0; i < picks; i++) {
      Pick p =
          l.protocol() == Protocol.HTTP
              ? c.route().pick("GET", "/", EmptyHttpHeaders.INSTANCE)
              : c.route().pickConnection();
      seen.add(
          switch (p) {
            case Pick.Forward f -> f.service() + "@" + f.target().authority();
            case Pick.Unavailable u -> "unavailable " + u.message();
          });
    }
    return seen;
  }
}
