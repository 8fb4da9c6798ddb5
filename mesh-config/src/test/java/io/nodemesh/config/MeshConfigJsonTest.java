package io.nodemesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshConfigJsonTest {

  private static MeshConfig sample() {
    BackendConfig root =
        new BackendConfig("echo", 1, List.of(EndpointConfig.ready("10.0.0.1", 8080)));
    BackendConfig v2 =
        new BackendConfig(
            "echo-v2",
            10,
            List.of(
                new EndpointConfig("fd00::2", 8080, "node-a", true, true, false)
                    .withProxyProtocol()));
    HttpMatch match = new HttpMatch("ab/canary", "/api", List.of("GET"), Map.of("x-canary", "yes"));
    RouteConfig route = new RouteConfig(root, List.of(root, v2), List.of(match), "shop/echo-split");
    return new MeshConfig(
        7,
        "mesh",
        List.of(
            new ListenerConfig(
                "shop", "echo", 80, Protocol.HTTP, 5001, route, new ServicePolicy(Scheme.H2C))));
  }

  @Test
  void roundTripsEveryField() {
    MeshConfig config = sample();
    String json = MeshConfigJson.write(config);
    assertThat(json).contains("\"protocol\":\"http\"").contains("\"proxyPort\":5001");
    // A derived list (RouteConfig.allBackends) is not part of the wire contract.
    assertThat(json).doesNotContain("allBackends");
    assertThat(MeshConfigJson.read(json)).isEqualTo(config);
  }

  @Test
  void proxyProtocolIsWrittenOnlyWhereOnAndReadsAsOffWhenAbsent() {
    String json = MeshConfigJson.write(sample());
    // One endpoint has it: exactly one key on the wire, the others stay as small as before.
    assertThat(json.split("\"proxyProtocol\":true", -1)).hasSize(2);
    assertThat(json).doesNotContain("\"proxyProtocol\":false");
    MeshConfig read = MeshConfigJson.read(json.replace(",\"proxyProtocol\":true", ""));
    assertThat(read.listeners().get(0).route().split().get(1).endpoints().get(0).proxyProtocol())
        .isFalse();
  }

  @Test
  void ignoresFieldsFromANewerController() {
    String json =
        MeshConfigJson.write(sample()).replace("{\"version\"", "{\"future\":1,\"version\"");
    assertThat(MeshConfigJson.read(json).version()).isEqualTo(7);
  }

  @Test
  void rejectsTwoListenersOnOneProxyPort() {
    ListenerConfig a = sample().listeners().get(0);
    ListenerConfig b =
        new ListenerConfig("shop", "other", 80, Protocol.HTTP, a.proxyPort(), a.route());
    assertThatThrownBy(() -> new MeshConfig(1, "mesh", List.of(a, b)))
        .hasMessageContaining("proxyPort 5001 is used twice");
  }

  @Test
  void namesTheMatchAndFieldOfABadRegex() {
    assertThatThrownBy(() -> new HttpMatch("g/m", "/a(", List.of(), Map.of()))
        .hasMessageContaining("match g/m: pathRegex is not a valid regex");
  }

  @Test
  void malformedJsonIsAnIllegalArgument() {
    assertThatThrownBy(() -> MeshConfigJson.read("{\"version\": \"x\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("malformed config");
  }

  @Test
  void unknownProtocolNamesTheAcceptedValues() {
    assertThatThrownBy(() -> Protocol.parse("quic")).hasMessageContaining("http, tcp, udp or auto");
    assertThat(Protocol.parse(" TCP ")).isEqualTo(Protocol.TCP);
  }

  @Test
  void aListenerWithoutPolicyReadsAsTheDefaults() {
    String json = MeshConfigJson.write(sample()).replaceAll(",\"policy\":\\{.*\\}\\}\\]", "}]");
    assertThat(json).doesNotContain("policy");
    assertThat(MeshConfigJson.read(json).listeners().get(0).policy())
        .isEqualTo(ServicePolicy.defaults());
    assertThatThrownBy(() -> Scheme.parse("h3")).hasMessageContaining("http, h2c or https");
  }

  @Test
  void policyPartsRoundTripAndMissingPartsReadAsDefaults() {
    ServicePolicy p =
        new ServicePolicy(
            Scheme.HTTP,
            new ServicePolicy.Balancing(
                ServicePolicy.LbPolicy.CONSISTENT_HASH, ServicePolicy.HashOn.COOKIE, "sid", false),
            new ServicePolicy.Timeouts(100, 2000, 0),
            new ServicePolicy.Retry(3, 500, 10, 200, 0.5, 5),
            new ServicePolicy.CircuitBreaker(5, 0.5, 10, 5000, 2000, 2),
            new ServicePolicy.Outlier(3, 1000, 30),
            new ServicePolicy.RateLimit(100, 20, true));
    MeshConfig c = sample();
    ListenerConfig l = c.listeners().get(0);
    MeshConfig withPolicy =
        new MeshConfig(
            c.version(),
            c.meshDomain(),
            List.of(
                new ListenerConfig(
                    l.namespace(),
                    l.service(),
                    l.port(),
                    l.protocol(),
                    l.proxyPort(),
                    l.route(),
                    p)));
    String json = MeshConfigJson.write(withPolicy);
    assertThat(json).contains("\"policy\":\"consistent-hash\"").contains("\"hashOn\":\"cookie\"");
    assertThat(MeshConfigJson.read(json)).isEqualTo(withPolicy);

    String onlyScheme =
        json.replaceAll("\"policy\":\\{.*\\}\\}\\]", "\"policy\":{\"scheme\":\"h2c\"}}]");
    ServicePolicy read = MeshConfigJson.read(onlyScheme).listeners().get(0).policy();
    assertThat(read.scheme()).isEqualTo(Scheme.H2C);
    assertThat(read.balancing()).isEqualTo(ServicePolicy.Balancing.DEFAULTS);
    assertThat(read.outlier().consecutiveFailures()).isEqualTo(5);
    assertThat(read.retry().attempts()).isZero();
    assertThat(read.rateLimit().enabled()).isFalse();
  }

  @Test
  void policyPartsNameTheFieldOfABadValue() {
    assertThatThrownBy(() -> new ServicePolicy.Retry(11, 0, 0, 0, 0.2, 10))
        .hasMessageContaining("retry: attempts 11");
    assertThatThrownBy(() -> new ServicePolicy.Outlier(5, 0, 101))
        .hasMessageContaining("outlier: maxEjectionPercent 101");
    assertThatThrownBy(
            () -> new ServicePolicy.Balancing(null, ServicePolicy.HashOn.HEADER, " ", true))
        .hasMessageContaining("needs a hashName");
    assertThatThrownBy(() -> ServicePolicy.LbPolicy.parse("fastest"))
        .hasMessageContaining("round-robin, least-request, random, ewma or consistent-hash");
    assertThat(new ServicePolicy.RateLimit(2.5, 0, false).burst()).isEqualTo(3);
  }
}
