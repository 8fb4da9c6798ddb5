package io.nodemesh.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class RouteMetersTest {
  @Test
  void routeLabelsBeyondTheCapShareTheOverflowLabel() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RouteMeters meters = new RouteMeters(registry, 3);
    for (int i = 0; i < 50; i++) {
      meters.meter("shop", "web", "shop/r#" + i).record(200, 1_000_000);
    }
    // Three names, then everything else under one label.
    assertThat(meters.size()).isEqualTo(4);
    assertThat(
            registry
                .find("nodemesh.route.requests")
                .tag("route", RouteMeters.OVERFLOW)
                .counter()
                .count())
        .isEqualTo(47);
    assertThat(registry.find("nodemesh.route.requests").tag("route", "shop/r#0").counter().count())
        .isEqualTo(1);
    assertThat(registry.find("nodemesh.route.requests").counters()).hasSize(4);
    // The same name again gets the same meter, not a new label.
    assertThat(meters.meter("shop", "web", "shop/r#1"))
        .isSameAs(meters.meter("shop", "web", "shop/r#1"));
  }

  @Test
  void countsByStatusClass() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RouteMeters.Meter m = new RouteMeters(registry, 10).meter("shop", "web", "shop/r#0");
    m.record(200, 1);
    m.record(204, 1);
    m.record(503, 1);
    m.record(999, 1);
    assertThat(registry.find("nodemesh.route.requests").tag("code_class", "2xx").counter().count())
        .isEqualTo(2);
    assertThat(registry.find("nodemesh.route.requests").tag("code_class", "5xx").counter().count())
        .isEqualTo(1);
    assertThat(
            registry.find("nodemesh.route.requests").tag("code_class", "other").counter().count())
        .isEqualTo(1);
    assertThat(registry.find("nodemesh.route.request.duration").timer().count()).isEqualTo(4);
  }
}
