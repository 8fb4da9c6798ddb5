package io.nodemesh.controller.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.TrafficReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The window adds many proxies' reports into one set of rows; the view reads them as users do. */
class TrafficViewTest {
  static final List<Double> BOUNDS = List.of(0.001, 0.01, 0.1);
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final TrafficWindow window = new TrafficWindow(now::get);

  static MeshConfig config() {
    EndpointConfig e = EndpointConfig.ready("10.0.0.1", 8080);
    RouteConfig split =
        new RouteConfig(
            new BackendConfig("web", 1, List.of(e)),
            List.of(
                new BackendConfig("web-v1", 90, List.of(e)),
                new BackendConfig("web-v2", 10, List.of(e))),
            List.of(),
            "shop/web-canary");
    return new MeshConfig(
        7,
        "mesh",
        List.of(
            new ListenerConfig("shop", "web", 80, Protocol.HTTP, 5000, split),
            new ListenerConfig(
                "shop",
                "pay",
                80,
                Protocol.HTTP,
                5001,
                RouteConfig.direct(new BackendConfig("pay", 1, List.of(e))))));
  }

  static TrafficReport report(String node, long version, double cpu, TrafficReport.Requests... r) {
    return new TrafficReport(
        node,
        version,
        100L << 20,
        cpu,
        BOUNDS,
        List.of(r),
        List.of(
            new TrafficReport.Latency("shop/pay:80", "pay", List.of(0L, 0L, 10L, 0L)),
            new TrafficReport.Latency("shop/web:80", "web-v1", List.of(100L, 0L, 0L, 0L))),
        List.of(new TrafficReport.Denials("shop/pay:80", "no_grant", 3)));
  }

  @Test
  void reportsOfManyProxiesAddUpToServicesEdgesAndSplitShares() {
    for (String node : List.of("a", "b")) {
      window.add(
          report(
              node,
              7,
              1,
              new TrafficReport.Requests("shop/web:80", "web-v1", "unknown", 450, 0),
              new TrafficReport.Requests("shop/web:80", "web-v2", "unknown", 50, 0),
              new TrafficReport.Requests("shop/pay:80", "pay", "unknown", 100, 40)));
    }
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    window.add(report("a", 6, 3));

    TrafficView v = TrafficView.of(window.totals(), config());

    assertThat(v.windowSeconds()).isEqualTo(10.0, within(0.001));
    TrafficView.ServiceStats pay = service(v, "shop/pay");
    assertThat(pay.stats().requests()).isEqualTo(200);
    assertThat(pay.stats().rps()).isEqualTo(20.0, within(0.001));
    assertThat(pay.stats().successRate()).isEqualTo(0.6, within(0.001));
    assertThat(pay.stats().health()).isEqualTo("unhealthy");
    // All 30 in the 10..100 ms bucket: p99 is 99 % of the way through it.
    assertThat(pay.stats().p99Ms()).isEqualTo(10 + 90 * 0.99, within(0.01));
    assertThat(service(v, "shop/web").stats().health()).isEqualTo("healthy");
    assertThat(service(v, TrafficView.OUTSIDE).kind()).isEqualTo("outside");
    assertThat(v.edges())
        .extracting(e -> e.from() + " -> " + e.to() + " " + e.kind() + " " + e.stats().requests())
        .containsExactlyInAnyOrder(
            "(unidentified) -> shop/pay call 200",
            "(unidentified) -> shop/web call 1000",
            "shop/web -> shop/web-v1 split 900",
            "shop/web -> shop/web-v2 split 100");
    TrafficView.Split split = v.splits().getFirst();
    assertThat(split.name()).isEqualTo("shop/web-canary");
    assertThat(split.backends())
        .extracting(b -> b.service() + " " + b.configuredShare() + " " + b.observedShare())
        .containsExactly("shop/web-v1 0.9 0.9", "shop/web-v2 0.1 0.1");
    assertThat(v.access().denials())
        .extracting(d -> d.listener() + " " + d.reason() + " " + d.count())
        .containsExactly("shop/pay:80 no_grant 9");
    TrafficView.NodeView a = v.nodes().getFirst();
    assertThat(a.node()).isEqualTo("a");
    assertThat(a.behind()).isTrue();
    assertThat(a.cpuCores()).isEqualTo(0.2, within(0.001));
    assertThat(a.rssBytes()).isEqualTo(100L << 20);
  }

  @Test
  void anHttpRouteRuleThatWeighsBackendsIsDrawnAsASplit() {
    EndpointConfig e = EndpointConfig.ready("10.0.0.1", 8080);
    RouteRule canary =
        new RouteRule(
            "shop/web-route#0",
            List.of(),
            List.of(),
            List.of(
                new BackendConfig("web-primary", 80, List.of(e)),
                new BackendConfig("web-canary", 20, List.of(e))),
            0,
            null,
            null,
            null);
    RouteRule single =
        new RouteRule(
            "shop/web-route#1",
            List.of(),
            List.of(),
            List.of(new BackendConfig("web-primary", 1, List.of(e))),
            0,
            null,
            null,
            null);
    RouteConfig route =
        RouteConfig.direct(new BackendConfig("web", 1, List.of(e)))
            .withRules(List.of(canary, single));
    MeshConfig config =
        new MeshConfig(
            7, "mesh", List.of(new ListenerConfig("shop", "web", 80, Protocol.HTTP, 5000, route)));
    window.add(
        report(
            "a",
            7,
            1,
            new TrafficReport.Requests("shop/web:80", "web-primary", "unknown", 300, 0),
            new TrafficReport.Requests("shop/web:80", "web-canary", "unknown", 100, 0)));
    now.addAndGet(Duration.ofSeconds(10).toNanos());

    TrafficView v = TrafficView.of(window.totals(), config);

    assertThat(v.splits())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.name()).isEqualTo("shop/web-route#0");
              assertThat(s.backends())
                  .extracting(
                      b -> b.service() + " " + b.configuredShare() + " " + b.observedShare())
                  .containsExactly("shop/web-primary 0.8 0.75", "shop/web-canary 0.2 0.25");
            });
  }

  @Test
  void aMinuteLaterTheTrafficHasLeftTheWindow() {
    window.add(
        report("a", 7, 1, new TrafficReport.Requests("shop/pay:80", "pay", "unknown", 100, 0)));
    now.addAndGet(TrafficWindow.WINDOW.plusSeconds(5).toNanos());
    TrafficView v = TrafficView.of(window.totals(), config());
    assertThat(service(v, "shop/pay").stats().health()).isEqualTo("idle");
    assertThat(service(v, "shop/pay").stats().successRate()).isNull();
    assertThat(v.edges()).isEmpty();
    assertThat(v.splits().getFirst().backends().getFirst().observedShare()).isNull();
    assertThat(v.nodes()).extracting(TrafficView.NodeView::staleSeconds).containsExactly(65.0);
  }

  @Test
  void quantileInterpolatesLikePrometheus() {
    assertThat(TrafficView.quantile(0.5, BOUNDS, new long[] {0, 10, 0, 0}))
        .isEqualTo(0.001 + 0.009 * 0.5, within(1e-9));
    assertThat(TrafficView.quantile(0.99, BOUNDS, new long[] {0, 0, 0, 5})).isEqualTo(0.1);
    assertThat(TrafficView.quantile(0.99, BOUNDS, new long[] {0, 0, 0, 0})).isNaN();
  }

  private static TrafficView.ServiceStats service(TrafficView v, String id) {
    return v.services().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
  }
}
