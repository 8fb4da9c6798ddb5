package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.testkit.H2Backend;
import io.nodemesh.testkit.HttpBackend;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code h2load} (nghttp2) against a listener in h2c, to an HTTP/1.1 backend and to an HTTP/2
 * backend: every request must succeed. {@code .ci/run} installs {@code nghttp2-client}.
 */
class H2loadIT {
  private static final int REQUESTS = 5_000;
  private static final Pattern SUMMARY =
      Pattern.compile(
          "requests: (\\d+) total, \\d+ started, (\\d+) done, (\\d+) succeeded, "
              + "(\\d+) failed, (\\d+) errored");
  private static final Pattern STATUS = Pattern.compile("status codes: (\\d+) 2xx");

  private NodeProxy proxy;
  private int port;

  @BeforeEach
  void start() {
    assumeTrue(
        onPath("h2load"),
        "h2load not installed (Debian package nghttp2-client); .ci/run installs it");
    proxy = NodeProxy.start(local());
    port = freePort();
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (new File(dir, tool).canExecute()) {
        return true;
      }
    }
    return false;
  }

  private void route(int backendPort, Scheme scheme) {
    RouteConfig route = RouteConfig.direct(Listeners.loopback("load", backendPort));
    proxy.apply(
        config(1, Listeners.http("default", "load", 80, port, route, new ServicePolicy(scheme))));
  }

  private String h2load() throws Exception {
    Process p =
        new ProcessBuilder(
                "h2load",
                "-n",
                String.valueOf(REQUESTS),
                "-c",
                "8",
                "-m",
                "16",
                "http://127.0.0.1:" + port + "/load")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    System.out.println(out);
    return out;
  }

  private static void assertAllSucceeded(String out) {
    Matcher m = SUMMARY.matcher(out);
    assertThat(m.find()).as("h2load summary in:\n%s", out).isTrue();
    assertThat(Integer.parseInt(m.group(1))).isEqualTo(REQUESTS);
    assertThat(Integer.parseInt(m.group(2))).as("done").isEqualTo(REQUESTS);
    assertThat(Integer.parseInt(m.group(3))).as("succeeded").isEqualTo(REQUESTS);
    assertThat(Integer.parseInt(m.group(4))).as("failed").isZero();
    assertThat(Integer.parseInt(m.group(5))).as("errored").isZero();
    Matcher s = STATUS.matcher(out);
    assertThat(s.find()).isTrue();
    assertThat(Integer.parseInt(s.group(1))).as("2xx").isEqualTo(REQUESTS);
  }

  @Test
  void h2cClientsToAnHttp11Backend() throws Exception {
    try (HttpBackend backend = new HttpBackend("h1")) {
      route(backend.port(), Scheme.HTTP);
      assertAllSucceeded(h2load());
      assertThat(backend.requests.get()).isEqualTo(REQUESTS);
    }
  }

  @Test
  void h2cClientsToAnH2cBackend() throws Exception {
    try (H2Backend backend = new H2Backend()) {
      route(backend.port(), Scheme.H2C);
      assertAllSucceeded(h2load());
      assertThat(backend.requests.get()).isEqualTo(REQUESTS);
    }
  }
}
