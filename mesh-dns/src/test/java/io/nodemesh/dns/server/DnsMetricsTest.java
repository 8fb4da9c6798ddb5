package io.nodemesh.dns.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DNS server's metrics, read the way Prometheus reads them: real queries over UDP and TCP on
 * loopback, then a scrape of {@code /metrics} on the metrics port.
 */
class DnsMetricsTest {
  MeshNames names = new MeshNames();
  DnsMetrics metrics;
  MeshDnsServer server;
  MetricsEndpoint endpoint;
  HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    names.replace(
        List.of(MeshDnsServerTest.shadow("whoami-shop-1a2b3c4d5e", "shop", "whoami", "10.96.1.1")));
    metrics = new DnsMetrics(names);
    server = MeshDnsServer.start("127.0.0.1", 0, "mesh", names, metrics);
    endpoint = MetricsEndpoint.start("127.0.0.1", 0, metrics);
  }

  @AfterEach
  void stop() {
    endpoint.close();
    server.close();
    http.close();
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double value(String scrape, String series) {
    Matcher m =
        Pattern.compile("^" + Pattern.quote(series) + " ([0-9.eE+-]+)$", Pattern.MULTILINE)
            .matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void queriesAreCountedByTransportTypeAndRcodeWithTheirLatency() throws Exception {
    DnsClient.udp(server.port(), "whoami.shop.mesh", DnsClient.A);
    DnsClient.udp(server.port(), "whoami.shop.mesh", DnsClient.A);
    DnsClient.tcp(server.port(), "whoami.shop.mesh", DnsClient.AAAA);
    DnsClient.udp(server.port(), "nobody.shop.mesh", DnsClient.A);
    DnsClient.udp(server.port(), "example.com", DnsClient.TXT);

    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue(MetricsEndpoint.CONTENT_TYPE);
    String s = r.body();
    assertThat(
            value(s, "nodemesh_dns_queries_total{rcode=\"NOERROR\",transport=\"udp\",type=\"A\"}"))
        .isEqualTo(2);
    assertThat(
            value(
                s, "nodemesh_dns_queries_total{rcode=\"NOERROR\",transport=\"tcp\",type=\"AAAA\"}"))
        .isEqualTo(1);
    assertThat(
            value(s, "nodemesh_dns_queries_total{rcode=\"NXDOMAIN\",transport=\"udp\",type=\"A\"}"))
        .isEqualTo(1);
    assertThat(
            value(
                s, "nodemesh_dns_queries_total{rcode=\"REFUSED\",transport=\"udp\",type=\"TXT\"}"))
        .isEqualTo(1);
    assertThat(value(s, "nodemesh_dns_query_duration_seconds_count")).isEqualTo(5);
    assertThat(value(s, "nodemesh_dns_query_duration_seconds_bucket{le=\"+Inf\"}")).isEqualTo(5);
    assertThat(s).contains("nodemesh_dns_query_duration_seconds_bucket{le=\"2.5E-5\"}");
    assertThat(value(s, "nodemesh_dns_names")).isEqualTo(1);
  }

  @Test
  void madeUpTypesFoldIntoOtherSoSeriesStayBounded() throws Exception {
    // 300..599: none of the named types (ANY is 255).
    for (int type = 300; type < 600; type++) {
      DnsClient.udp(server.port(), "whoami.shop.mesh", type);
    }
    String s = get("/metrics").body();
    long series = s.lines().filter(l -> l.startsWith("nodemesh_dns_queries_total{")).count();
    assertThat(series).isEqualTo(1);
    assertThat(
            value(
                s,
                "nodemesh_dns_queries_total{rcode=\"NOERROR\",transport=\"udp\",type=\"other\"}"))
        .isEqualTo(300);
  }

  @Test
  void onlyGetMetricsIsServed() throws Exception {
    assertThat(get("/").statusCode()).isEqualTo(404);
    assertThat(get("/metrics/x").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }
}
