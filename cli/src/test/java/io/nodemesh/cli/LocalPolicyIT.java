package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.controller.ControllerOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Service annotations end to end in local mode: written in a YAML file, read by the controller,
 * served to the proxy, enforced on real requests, and changed by editing the file.
 */
class LocalPolicyIT {
  @TempDir Path dir;
  private DemoBackend backend;
  private LocalMesh mesh;

  @BeforeEach
  void start() throws Exception {
    backend = DemoBackend.start("api-v1", "127.0.0.1", 0);
    writeService(
        """
            nodemesh.io/ratelimit-average: "0.01"
            nodemesh.io/ratelimit-burst: "2"
            nodemesh.io/lb-policy: fastest
        """);
    Files.writeString(dir.resolve("slice.yaml"), slice(backend.port()));
    ControllerOptions options = TestControllers.shippedDebounce("local-policy-it");
    mesh = LocalMesh.start(dir, options, 0, 0);
    assertThat(mesh.awaitListeners(1, Duration.ofSeconds(10))).isTrue();
  }

  @AfterEach
  void stop() {
    Lifecycle.closeAll(mesh == null ? () -> {} : mesh, backend);
  }

  @Test
  void theRateLimitAnnotationAppliesAndEditingTheFileLiftsIt() throws Exception {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      statuses.add(status());
    }
    assertThat(statuses).containsExactly(200, 200, 429, 429);
    // The bad value is reported, naming the Service, the annotation and the value.
    assertThat(mesh.controller().problems().toString())
        .contains("shop/api")
        .contains("nodemesh.io/lb-policy")
        .contains("'fastest'");

    writeService("    nodemesh.io/retry-attempts: \"1\"\n");
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> status() == 200);
    for (int i = 0; i < 5; i++) {
      assertThat(status()).isEqualTo(200);
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> !mesh.controller().problems().toString().contains("lb-policy"));
  }

  private int status() throws IOException {
    try (Socket s = new Socket("127.0.0.1", mesh.proxy().entryPort())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(
          "GET / HTTP/1.1\r\nHost: api.shop.mesh\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return Integer.parseInt(response.split(" ")[1]);
    }
  }

  /** Replaces service.yaml atomically, with {@code annotations} (indented YAML lines). */
  private void writeService(String annotations) {
    Manifests.replace(
        dir.resolve("service.yaml"),
        """
          apiVersion: v1
          kind: Service
          metadata:
            name: api
            namespace: shop
            annotations:
          %s
          spec:
            ports:
            - name: http
              port: 80
              targetPort: 8080
          """
            .formatted(annotations.stripTrailing()));
  }

  private static String slice(int port) {
    return """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: api-abcde
          namespace: shop
          labels:
            kubernetes.io/service-name: api
        addressType: IPv4
        ports:
          - name: http
            port: %d
        endpoints:
          - addresses: ["127.0.0.1"]
            conditions: {ready: true}
        """
        .formatted(port);
  }
}
