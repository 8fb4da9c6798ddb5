package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Issue 18's "done when": a real headless Chromium loads the controller's {@code /ui/} page in
 * local mode while traffic flows through a 90/10 TrafficSplit ({@code shop/web}) and to a Service
 * whose backend answers 503 ({@code shop/pay}), and finds the graph's nodes and edges, the observed
 * split within 3 points of the weights, and the failing Service marked unhealthy. The screenshot is
 * kept at {@code cli/target/ui-screenshot.png} (docs/observability.md shows a copy). Skipped only
 * when Debian's {@code chromium} or {@code chromium-driver} is not installed ({@code .ci/run}
 * installs both).
 */
class UiBrowserIT {
  static final Path CHROMIUM =
      Path.of(System.getenv().getOrDefault("CHROME_BIN", "/usr/bin/chromium"));
  static final Path DRIVER =
      Path.of(System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver"));
  static final Path SCREENSHOT = Path.of("target", "ui-screenshot.png");

  @TempDir Path dir;

  private final List<AutoCloseable> closing = new java.util.ArrayList<>();

  @AfterEach
  void stop() {
    java.util.Collections.reverse(closing);
    Lifecycle.closeAll(closing.toArray(AutoCloseable[]::new));
  }

  @Test
  void thePageDrawsTheSplitAndTheFailingServiceLive() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
        "chromium or chromedriver not installed (apt-get install chromium chromium-driver)");
    HttpServer v1 = backend(200, "v1");
    HttpServer v2 = backend(200, "v2");
    HttpServer pay = backend(503, "down");
    Files.writeString(dir.resolve("world.yaml"), world(v1, v2, pay));
    LocalMesh mesh = LocalMesh.start(dir, TestControllers.options("ui-it"), 0, 0);
    closing.add(mesh);
    assertThat(mesh.awaitListeners(4, Duration.ofSeconds(30))).isTrue();

    int entry = mesh.proxy().entryPort();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread load =
        Thread.ofPlatform()
            .name("ui-it-load")
            .daemon(true)
            .start(
                () -> {
                  HttpClient client = Traffic.viaProxy(entry);
                  URI web = URI.create("http://web.shop.mesh/");
                  URI payUri = URI.create("http://pay.shop.mesh/charge");
                  for (int i = 0; running.get(); i++) {
                    Traffic.once(client, i % 5 == 4 ? payUri : web);
                  }
                });
    closing.add(
        () -> {
          running.set(false);
          load.join(Duration.ofSeconds(10));
        });

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1250");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
    ChromeDriver browser = new ChromeDriver(service, options);
    closing.add(browser::quit);
    browser.get("http://127.0.0.1:" + mesh.controller().apiPort() + "/ui");

    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(attributes(browser, "#graph g.node", "data-id"))
                  .contains("shop/web", "shop/web-v1", "shop/web-v2", "shop/pay");
              assertThat(attributes(browser, "#graph g.edge", "data-from", "data-to"))
                  .contains(
                      "shop/web -> shop/web-v1",
                      "shop/web -> shop/web-v2",
                      "(unidentified) -> shop/web",
                      "(unidentified) -> shop/pay");
              assertThat(observed(browser, "shop/web-v1")).isBetween(87.0, 93.0);
              assertThat(observed(browser, "shop/web-v2")).isBetween(7.0, 13.0);
              assertThat(node(browser, "shop/pay").getAttribute("data-health"))
                  .isEqualTo("unhealthy");
              assertThat(node(browser, "shop/web").getAttribute("data-health"))
                  .isEqualTo("healthy");
              assertThat(edge(browser, "(unidentified)", "shop/pay").getAttribute("data-health"))
                  .isEqualTo("unhealthy");
              // Enough requests that the shares mean something.
              assertThat(
                      Long.parseLong(
                          edge(browser, "shop/web", "shop/web-v1").getAttribute("data-requests")))
                  .isGreaterThan(200);
            });
    // The other sections: the broken split is a problem, the local proxy has reported.
    assertThat(attributes(browser, "#problems tr.problem", "data-object"))
        .contains("shop/cart-canary");
    assertThat(attributes(browser, "#nodes tbody tr", "data-node")).contains("local");
    // A tenant's markup in a name is shown as text and never runs.
    assertThat(browser.findElement(By.id("problems")).getText()).contains("<img src=x");
    assertThat(browser.findElements(By.cssSelector("#problems img"))).isEmpty();
    assertThat(browser.getTitle()).isEqualTo("Nodemesh");

    Files.createDirectories(SCREENSHOT.getParent());
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.size(SCREENSHOT)).isGreaterThan(10_000);

    // Cluster-wide top reads the same window: one row per Service, the split by backend.
    String api = "http://127.0.0.1:" + mesh.controller().apiPort();
    CliTest.Result top = CliTest.run("top", "--controller", api, "--once");
    assertThat(top.code()).as(top.err()).isZero();
    assertThat(top.out().lines().toList())
        .first()
        .asString()
        .matches("SERVICE\\s+RPS\\s+SUCCESS\\s+P99\\s+REQUESTS");
    assertThat(top.out())
        .containsPattern("shop/web\\s+\\d+\\.\\d\\s+100\\.00%")
        .containsPattern("shop/pay\\s+\\d+\\.\\d\\s+0\\.00%");
    CliTest.Result byBackend = CliTest.run("top", "--controller", api, "--once", "--by-backend");
    assertThat(byBackend.out())
        .contains("shop/web -> shop/web-v1")
        .contains("shop/web -> shop/web-v2");
    assertThat(CliTest.run("top", "--token-file", "/nonexistent").code()).isEqualTo(2);

    // The page's own files: nothing but this origin may run or be loaded.
    HttpResponse<String> page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + mesh.controller().apiPort() + "/ui/"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(csp -> assertThat(csp).contains("script-src 'self'"));
  }

  private static List<String> attributes(ChromeDriver b, String css, String... names) {
    return b.findElements(By.cssSelector(css)).stream()
        .map(e -> String.join(" -> ", java.util.Arrays.stream(names).map(e::getAttribute).toList()))
        .toList();
  }

  private static double observed(ChromeDriver b, String backend) {
    return Double.parseDouble(
        b.findElement(By.cssSelector("tr.split-backend[data-backend='" + backend + "']"))
            .getAttribute("data-observed"));
  }

  private static WebElement node(ChromeDriver b, String id) {
    return b.findElement(By.cssSelector("#graph g.node[data-id='" + id + "']"));
  }

  private static WebElement edge(ChromeDriver b, String from, String to) {
    return b.findElement(
        By.cssSelector("#graph g.edge[data-from='" + from + "'][data-to='" + to + "']"));
  }

  private HttpServer backend(int status, String body) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    s.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(status, bytes.length);
          ex.getResponseBody().write(bytes);
          ex.close();
        });
    s.start();
    closing.add(() -> s.stop(0));
    return s;
  }

  /**
   * Services web (split 90/10 over web-v1 and web-v2), pay (answers 503), cart (a broken split: one
   * backend missing, one named with markup).
   */
  private static String world(HttpServer v1, HttpServer v2, HttpServer pay) {
    StringBuilder y = new StringBuilder();
    for (String name : List.of("web", "web-v1", "web-v2", "pay", "cart")) {
      y.append(
          """
          apiVersion: v1
          kind: Service
          metadata: {name: %s, namespace: shop}
          spec:
            ports: [{name: http, port: 80, protocol: TCP}]
          ---
          """
              .formatted(name));
    }
    String[][] slices = {
      {"web", port(v1)},
      {"web-v1", port(v1)},
      {"web-v2", port(v2)},
      {"pay", port(pay)},
      {"cart", port(v1)}
    };
    for (String[] s : slices) {
      y.append(
          """
          apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata:
            name: %s-local
            namespace: shop
            labels: {kubernetes.io/service-name: %s}
          addressType: IPv4
          ports: [{name: http, port: %s, protocol: TCP}]
          endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]
          ---
          """
              .formatted(s[0], s[0], s[1]));
    }
    y.append(
        """
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: web-canary, namespace: shop}
        spec:
          service: web
          backends: [{service: web-v1, weight: 90}, {service: web-v2, weight: 10}]
        ---
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: cart-canary, namespace: shop}
        spec:
          service: cart
          backends:
            - {service: cart-v9, weight: 50}
            - {service: "<img src=x onerror=document.title='pwned'>", weight: 50}
        """);
    return y.toString();
  }

  private static String port(HttpServer s) {
    return Integer.toString(s.getAddress().getPort());
  }
}
