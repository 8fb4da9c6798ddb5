package io.nodemesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.tracing.TracingOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a proxy loads, seen from the JVM's own class-load log of a child proxy that applied a config
 * and proxied a request: the OpenTelemetry SDK only when tracing is on, the access log's JSON
 * writer only when an access log is set (issue 7: a proxy pays only for what it uses); never
 * Helidon (its admin endpoints are on its own Netty), and no TLS set-up for a plain-HTTP controller
 * (issue 15: each is hundreds of classes and megabytes of a proxy's memory).
 */
class ClassLoadingIT {

  @Test
  void withoutTracingOrAccessLogNeitherIsLoaded() throws Exception {
    List<String> loaded = childClasses("off");

    assertThat(loaded).as("proxied a request").contains("io.nodemesh.proxy.upstream.Exchange");
    assertThat(loaded).noneMatch(c -> c.startsWith("io.opentelemetry."));
    assertThat(loaded).doesNotContain("io.nodemesh.proxy.accesslog.AccessLog$Json");
    assertThat(loaded).noneMatch(c -> c.startsWith("com.fasterxml.jackson.dataformat.yaml."));
    assertThat(loaded).as("admin server on Netty").noneMatch(c -> c.startsWith("io.helidon."));
    // The JDK's HttpClient sets up the default SSLContext unless it is given one; that parses every
    // CA certificate of the trust store, for an http:// controller that never speaks TLS.
    assertThat(loaded).doesNotContain("sun.security.ssl.TrustStoreManager");
    assertThat(loaded).noneMatch(c -> c.startsWith("sun.security.ssl.SSLContextImpl"));
    // The config and report clients are a socket each (ControllerHttp), not the JDK's HttpClient
    // (about 220 classes and a selector thread per client).
    assertThat(loaded).as("config client").contains("io.nodemesh.proxy.config.ControllerHttp");
    assertThat(loaded).noneMatch(c -> c.startsWith("jdk.internal.net.http."));
  }

  @Test
  void withTracingAndAccessLogBothAreLoaded() throws Exception {
    List<String> loaded = childClasses("on");

    assertThat(loaded).contains("io.opentelemetry.sdk.OpenTelemetrySdk");
    assertThat(loaded).contains("io.nodemesh.proxy.accesslog.AccessLog$Json");
  }

  /** Runs {@link Child} with {@code -verbose:class} and returns the classes it loaded. */
  private static List<String> childClasses(String mode) throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-verbose:class",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Child.class.getName(),
                mode)
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).as("child output").contains("PROXIED ").contains("ADMIN 200 200 200 200");
    return out.lines()
        .filter(l -> l.contains("[class,load] "))
        .map(l -> l.substring(l.indexOf("[class,load] ") + 13).split(" ", 2)[0])
        .toList();
  }

  /**
   * A proxy with one HTTP listener whose only endpoint refuses connections, so one request runs the
   * whole request path (routing, balancing, metrics, tracing and access-log hooks) and gets a 5xx.
   * Argument {@code on}: tracing to an OTLP endpoint nobody listens on, access log to stdout;
   * {@code off}: neither, and a plain-HTTP controller nobody listens on (config and report clients
   * run). Then it asks each admin endpoint but {@code /tap}.
   */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) throws Exception {
      boolean on = "on".equals(args[0]);
      ProxyOptions options =
          new ProxyOptions(null, "127.0.0.1", 0, -1, "test-node", 1)
              .toBuilder()
                  .tracing(
                      on
                          ? new TracingOptions("http://127.0.0.1:9", null, Map.of())
                          : new TracingOptions(null, null, Map.of("otel.sdk.disabled", "true")))
                  .accessLog(on ? "-" : null)
                  .controller(on ? null : URI.create("http://127.0.0.1:" + Configs.freePort()))
                  .build();
      int port = Configs.freePort();
      BackendConfig backend =
          new BackendConfig(
              "default/dead",
              1,
              List.of(new EndpointConfig("127.0.0.1", 1, "test-node", true, true, false)));
      try (NodeProxy proxy = NodeProxy.start(options)) {
        proxy.apply(
            Configs.config(
                1,
                Configs.http(
                    "default",
                    "dead",
                    80,
                    port,
                    new RouteConfig(backend, List.of(), List.of(), null))));
        System.out.println("PROXIED " + firstLine(port, "/", "dead.default"));
        StringBuilder admin = new StringBuilder("ADMIN");
        for (String path : List.of("/ping", "/ready", "/metrics", "/config")) {
          admin.append(' ').append(firstLine(proxy.adminPort(), path, "admin").split(" ")[1]);
        }
        System.out.println(admin);
      }
    }

    private static String firstLine(int port, String path, String host) throws IOException {
      try (Socket s = new Socket("127.0.0.1", port)) {
        OutputStream out = s.getOutputStream();
        out.write(
            ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        return response.lines().findFirst().orElse("(nothing)");
      }
    }
  }
}
