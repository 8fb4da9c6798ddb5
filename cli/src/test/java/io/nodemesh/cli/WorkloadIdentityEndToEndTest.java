package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.identity.SpiffeId;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.proxy.config.ControllerTrust;
import io.nodemesh.proxy.identity.CertificateClient;
import io.nodemesh.proxy.identity.CertificateStore;
import io.nodemesh.proxy.identity.PeerVerifier;
import io.nodemesh.proxy.identity.WorkloadCertificate;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.PodTokens;
import io.nodemesh.testkit.Pods;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 end to end, minus the cluster: the real controller's CA (Pod informer on fabric8's mock
 * API server, TLS) and the proxy's real certificate store and client, which pins the controller's
 * CA and sends a pod-bound token of audience {@code nodemesh-ca}.
 */
@EnableKubernetesMockClient(crud = true)
class WorkloadIdentityEndToEndTest {
  static final String TD = "e2e.nodemesh";

  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir Path dir;
  @RegisterExtension final Closing closing = new Closing();

  static Pod pod(String ns, String name, String sa, String node) {
    return Pods.onNode(ns, name, sa, node, null);
  }

  @Test
  void aProxyHoldsRotatesAndDropsCertificatesForItsOwnNodeOnly() throws Exception {
    Pod proxyA =
        client
            .pods()
            .inNamespace("nodemesh")
            .resource(pod("nodemesh", "proxy-a", "nodemesh-proxy", "node-a"))
            .create();
    client
        .pods()
        .inNamespace("default")
        .resource(pod("default", "web-1", "web", "node-a"))
        .create();
    client.pods().inNamespace("default").resource(pod("default", "db-1", "db", "node-b")).create();
    String token = PodTokens.token(PodTokens.PROXY, "nodemesh-ca", null);
    PodTokens.reviews(
        server, client, PodTokens.PROXY, Map.of(token, proxyA.getMetadata().getUid()));
    TestCa pki = new TestCa(dir, "controller");
    InformerSource source = new InformerSource(client, null);
    Controller controller = closing.add(TestControllers.withCa(client, source, pki, TD));
    await().atMost(Duration.ofSeconds(30)).until(() -> source.podIndex().hasSynced());

    Path tokenFile = dir.resolve("ca-token");
    Files.writeString(tokenFile, token);
    AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    InstantSource clock = now::get;
    CertificateClient ca =
        new CertificateClient(
            URI.create("https://127.0.0.1:" + controller.apiPort()),
            tokenFile,
            ControllerTrust.pinned(pki.caCert));
    CertificateStore store = closing.add(new CertificateStore(ca, clock));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    store.bindTo(registry);
    store.want(Set.of("default/web", "default/db"));
    store.refresh();

    SpiffeId web = new SpiffeId(TD, "default", "web");
    WorkloadCertificate first = store.certificateFor(web).orElseThrow();
    assertThat(PeerVerifier.verify(first.chain(), store.trustBundle(), now.get())).isEqualTo(web);
    // db runs only on node B: refused by the CA, so never held here.
    assertThat(store.held()).containsExactly(web);
    assertThat(registry.scrape())
        .contains("nodemesh_proxy_certificate_requests_total{result=\"failed\"} 1.0")
        .contains("nodemesh_proxy_certificate_expiry_seconds{service_account=\"default/web\"}");
    assertThat(controller.registry().scrape())
        .contains("nodemesh_controller_certificate_requests_total{result=\"issued\"} 1.0")
        .contains("nodemesh_controller_certificate_requests_total{result=\"refused\"} 1.0");

    // Half life later (the controller's clock is real, the proxy's moved): a new certificate.
    now.set(first.renewAt().plusSeconds(1));
    store.refresh();
    WorkloadCertificate second = store.certificateFor(web).orElseThrow();
    assertThat(second.leaf().getSerialNumber()).isNotEqualTo(first.leaf().getSerialNumber());

    // The pod leaves the node: the config stops listing it, and the store drops its certificate.
    store.want(Set.of());
    store.refresh();
    assertThat(store.held()).isEmpty();
  }
}
