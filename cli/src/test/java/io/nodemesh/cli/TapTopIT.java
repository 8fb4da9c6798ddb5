package io.nodemesh.cli;

import static io.nodemesh.cli.ShopBackends.backend;
import static io.nodemesh.cli.ShopBackends.freePort;
import static io.nodemesh.cli.ShopBackends.listener;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.nodemesh.cli.traffic.TopTable;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code nodemesh tap} and {@code nodemesh top} against a real proxy on loopback with two Services:
 * {@code shop/web} answers 200, {@code shop/pay} always 503.
 */
class TapTopIT {
  private static HttpServer web;
  private static HttpServer pay;
  private static NodeProxy proxy;
  private static int webPort;
  private static int payPort;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    web = backend(200);
    pay = backend(503);
    proxy = NodeProxy.start(new ProxyOptions(null, "127.0.0.1", 0, -1, "test-node", 2));
    webPort = freePort();
    payPort = freePort();
    proxy.apply(
        new MeshConfig(
            1, "mesh", List.of(listener("web", webPort, web), listener("pay", payPort, pay))));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    web.stop(0);
    pay.stop(0);
  }

  private static int call(int port, String path) {
    return Traffic.status(HTTP, port, path, Duration.ofSeconds(5));
  }

  private static String admin() {
    return "http://127.0.0.1:" + proxy.adminPort();
  }

  /** Runs {@code command} while requests flow to both Services, until it returns. */
  private static CliTest.Result whileTrafficFlows(String... command) throws Exception {
    return Traffic.whileFlowing(
        i -> {
          call(webPort, "/items/" + i);
          call(payPort, "/charge");
        },
        command);
  }

  @Test
  void tapPrintsExactlyTheMatchingRequests() throws Exception {
    CliTest.Result r =
        whileTrafficFlows(
            "tap", "--proxy", admin(), "--service", "shop/web", "--path", "/items/", "--max", "5");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(5);
    assertThat(lines)
        .allSatisfy(
            l ->
                assertThat(l)
                    .matches(
                        "\\S+ shop/web:80 GET /items/\\d+ 200 \\d+\\.\\dms src=127\\.0\\.0\\.1:\\d+"
                            + " id=- backend=web 127\\.0\\.0\\.1:\\d+"));
    assertThat(r.err()).contains("tap: 5 requests shown");
  }

  @Test
  void tapByStatusSeesOnlyTheFailingServiceAsJson() throws Exception {
    CliTest.Result r =
        whileTrafficFlows("tap", "--proxy", admin(), "--status", "5xx", "--max", "3", "-o", "json");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines().toList())
        .hasSize(3)
        .allSatisfy(
            l ->
                assertThat(l)
                    .contains("\"service\":\"pay\"", "\"status\":503", "\"path\":\"/charge\""));
  }

  @Test
  void topOncePrintsOneRowPerServiceWithRateSuccessAndP99() throws Exception {
    CliTest.Result r = whileTrafficFlows("top", "--proxy", admin(), "--once", "--interval", "1");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).matches("SERVICE\\s+RPS\\s+SUCCESS\\s+P99\\s+REQUESTS");
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches("shop/web:80\\s+\\d+\\.\\d\\s+100\\.00%\\s+\\d+\\.?\\d*ms\\s+\\d+"));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches("shop/pay:80\\s+\\d+\\.\\d\\s+0\\.00%\\s+\\d+\\.?\\d*ms\\s+\\d+"));
  }

  @Test
  void topRowsCountExactlyTheRequestsBetweenTwoScrapes() throws Exception {
    String before =
        HTTP.send(
                HttpRequest.newBuilder(URI.create(admin() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (int i = 0; i < 8; i++) {
      assertThat(call(webPort, "/exact")).isEqualTo(200);
    }
    for (int i = 0; i < 2; i++) {
      assertThat(call(payPort, "/exact")).isEqualTo(503);
    }
    String after =
        HTTP.send(
                HttpRequest.newBuilder(URI.create(admin() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    List<TopTable.Row> rows = TopTable.rows(before, after, 2.0, false);
    // Other tests may run traffic first, but not during this one (JUnit runs a class's tests in
    // turn).
    assertThat(rows).extracting(TopTable.Row::key).containsExactly("shop/web:80", "shop/pay:80");
    assertThat(rows.get(0).requests()).isEqualTo(8);
    assertThat(rows.get(0).rps()).isEqualTo(4.0);
    assertThat(rows.get(0).successRate()).isEqualTo(1.0);
    assertThat(rows.get(0).p99Seconds()).isPositive();
    assertThat(rows.get(1).requests()).isEqualTo(2);
    assertThat(rows.get(1).successRate()).isZero();
  }

  @Test
  void tapAndTopHaveHelp() {
    for (String command : List.of("tap", "top")) {
      CliTest.Result r = CliTest.run(command, "--help");
      assertThat(r.code()).isZero();
      assertThat(r.out()).contains("Usage: nodemesh " + command, "--proxy", "Exit code");
    }
    assertThat(CliTest.run("--help").out()).contains("tap", "top");
  }

  @Test
  void badFlagsAreUsageErrors() {
    for (String[] args :
        List.of(
            new String[] {"tap", "--rate", "0"},
            new String[] {"tap", "--rate", "x"},
            new String[] {"tap", "--proxy", "ftp://127.0.0.1:9901"},
            new String[] {"tap", "--proxy", "http://127.0.0.1:9901/tap"},
            new String[] {"tap", "-o", "yaml"},
            new String[] {"tap", "--max", "0"},
            new String[] {"top", "--interval", "0"},
            new String[] {"top", "--bogus"})) {
      CliTest.Result r = CliTest.run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err())
          .as(String.join(" ", args))
          .startsWith("nodemesh: ")
          .contains("Usage: nodemesh " + args[0]);
    }
  }

  @Test
  void aBadFilterIsReportedInOneLineAndAnUnreachableProxyToo() throws Exception {
    CliTest.Result bad = CliTest.run("tap", "--proxy", admin(), "--status", "5x");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err().strip())
        .isEqualTo(
            "nodemesh tap: the proxy refused the tap (400): tap status must be a code like 503 or a"
                + " class like 5xx, not '5x'");
    CliTest.Result gone =
        CliTest.run(
            "top", "--once", "--interval", "1", "--proxy", "http://127.0.0.1:" + freePort());
    assertThat(gone.code()).isEqualTo(1);
    assertThat(gone.err())
        .startsWith("nodemesh top: cannot reach the proxy")
        .doesNotContain("Exception");
  }
}
