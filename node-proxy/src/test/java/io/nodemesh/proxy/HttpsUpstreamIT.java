package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static io.nodemesh.testkit.GrpcEcho.text;
import static io.nodemesh.testkit.GrpcEcho.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsServer;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.ClientCalls;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.GrpcEcho;
import io.nodemesh.testkit.Wire;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listeners with scheme {@code https}: TLS to the backend verified against the JDK trust store
 * (here pointed by {@code javax.net.ssl.trustStore} at a store that trusts the test certificate),
 * HTTP/2 when the backend offers {@code h2} by ALPN, HTTP/1.1 otherwise.
 */
class HttpsUpstreamIT {
  @RegisterExtension final Closing closing = new Closing();
  @TempDir static Path dir;
  private static TestCerts certs;
  private static String savedTrustStore;
  private NodeProxy proxy;
  private int port;

  @BeforeAll
  static void certificates() throws Exception {
    certs = new TestCerts(dir);
    savedTrustStore = System.getProperty("javax.net.ssl.trustStore");
  }

  @AfterAll
  static void restore() {
    if (savedTrustStore == null) {
      System.clearProperty("javax.net.ssl.trustStore");
    } else {
      System.setProperty("javax.net.ssl.trustStore", savedTrustStore);
    }
    System.clearProperty("javax.net.ssl.trustStorePassword");
  }

  @BeforeEach
  void start() {
    proxy = NodeProxy.start(local());
    port = freePort();
  }

  @AfterEach
  void stop() {
    proxy.close();
  }

  private static void trustTestCertificate(boolean trust) {
    if (trust) {
      System.setProperty("javax.net.ssl.trustStore", certs.trustStore.toString());
      System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
    } else {
      restore();
    }
  }

  private void route(int backendPort) {
    RouteConfig route = RouteConfig.direct(Listeners.loopback("secure", backendPort));
    proxy.apply(
        config(
            1,
            Listeners.http(
                "default", "secure", 443, port, route, new ServicePolicy(Scheme.HTTPS))));
  }

  @Test
  void http11OverTlsWhenTheBackendOffersNoH2() throws Exception {
    trustTestCertificate(true);
    HttpsServer backend = certs.http11Backend();
    closing.add(() -> backend.stop(0));
    route(backend.getAddress().getPort());
    try (Wire c = new Wire(port)) {
      for (int i = 0; i < 3; i++) {
        Wire.Answer r = c.get("/", "secure.default.mesh");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("tls HTTP/1.1");
      }
    }
  }

  @Test
  void aBackendCertificateOutsideTheTrustStoreIsRefused() throws Exception {
    trustTestCertificate(false);
    HttpsServer backend = certs.http11Backend();
    closing.add(() -> backend.stop(0));
    route(backend.getAddress().getPort());
    try (Wire c = new Wire(port)) {
      Wire.Answer r = c.get("/", "secure.default.mesh");
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.body()).contains("connect failed");
    }
  }

  @Test
  void grpcOverTlsNegotiatesH2() throws Exception {
    trustTestCertificate(true);
    try (GrpcEcho backend =
        new GrpcEcho(
            GrpcSslContexts.configure(SslContextBuilder.forServer(certs.keyManagers())).build())) {
      route(backend.port());
      ManagedChannel ch =
          Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
              .build();
      try {
        for (int i = 0; i < 5; i++) {
          byte[] r =
              ClientCalls.blockingUnaryCall(
                  ch,
                  GrpcEcho.UNARY,
                  CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                  utf8("tls" + i));
          assertThat(text(r)).isEqualTo("echo:tls" + i);
        }
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
