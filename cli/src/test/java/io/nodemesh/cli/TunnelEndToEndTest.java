package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.controller.tunnel.TunnelSettings;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.identity.IdentityTunnelCredentials;
import io.nodemesh.testkit.Callers;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.K8s;
import io.nodemesh.testkit.PodTokens;
import io.nodemesh.testkit.Pods;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 end to end, minus the cluster: the real controller (mock API server, TLS, its CA, the
 * tunnel part it compiles from Pods) and two real node proxies on loopback addresses, each holding
 * the certificates the controller's CA issued for its node. A client on node a calls a Service
 * whose pod is on node b; the namespace is strict, so the answer arrives only through the tunnel,
 * and the pod sees the caller's SPIFFE ID.
 */
@EnableKubernetesMockClient(crud = true)
class TunnelEndToEndTest {
  static final String PROXY = PodTokens.PROXY;
  static final String TD = "tunnel.e2e";

  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir Path dir;
  @RegisterExtension final Closing closing = new Closing();
  Controller controller;
  final List<NodeProxy> proxies = new ArrayList<>();
  HttpServer pod;

  static Pod pod(String ns, String name, String sa, String node, String ip) {
    return Pods.onNode(ns, name, sa, node, ip);
  }

  Pod create(Pod p) {
    return client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
  }

  @Test
  void aCrossNodeRequestRidesTheTunnelOnCertificatesOfTheControllersCa() throws Exception {
    pod = Callers.identityEcho("127.0.0.41");
    closing.add(() -> pod.stop(0));
    Map<String, String> proxyLabels = ControllerOptions.DEFAULT_PROXY_SELECTOR;
    Pod proxyA =
        create(
            Pods.labelled(
                pod("nodemesh", "proxy-a", "nodemesh-proxy", "node-a", "127.0.0.2"), proxyLabels));
    Pod proxyB =
        create(
            Pods.labelled(
                pod("nodemesh", "proxy-b", "nodemesh-proxy", "node-b", "127.0.0.3"), proxyLabels));
    create(pod("shop", "web-1", "web", "node-a", "127.0.0.21"));
    create(pod("shop", "api-1", "api", "node-b", "127.0.0.41"));
    client.resource(K8s.service("shop", "api", "http:80")).create();
    Endpoint onB = Pods.endpointOn("127.0.0.41", "node-b");
    client
        .resource(
            K8s.slice("shop", "api-1", "api", "http", pod.getAddress().getPort(), List.of(onB)))
        .create();

    // One config token and one CA token per proxy; the CA token names the proxy's pod.
    Map<String, String> podOfToken = new HashMap<>();
    Map<String, Path> files = new HashMap<>();
    for (Pod p : List.of(proxyA, proxyB)) {
      String node = p.getSpec().getNodeName();
      for (String aud : List.of("nodemesh", "nodemesh-ca")) {
        String token = PodTokens.token(PROXY, aud, node);
        podOfToken.put(token, p.getMetadata().getUid());
        files.put(aud + "/" + node, Files.writeString(dir.resolve(aud + "-" + node), token));
      }
    }
    PodTokens.reviews(server, client, PROXY, podOfToken);

    TestCa pki = new TestCa(dir, "controller");
    InformerSource source = new InformerSource(client, null);
    controller = closing.add(TestControllers.withCa(client, source, pki, TD));
    int tunnelPort = Callers.freePort("127.0.0.2");
    controller.tunnel(
        new TunnelSettings(MtlsMode.STRICT, tunnelPort, null, "nodemesh", proxyLabels));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> controller.currentConfig().tunnel().pods().containsKey("127.0.0.41"));
    assertThat(controller.currentConfig().tunnel().trustDomain()).isEqualTo(TD);

    URI uri = URI.create("https://127.0.0.1:" + controller.apiPort());
    for (String[] n : new String[][] {{"node-a", "127.0.0.2"}, {"node-b", "127.0.0.3"}}) {
      NodeProxy p =
          NodeProxy.start(
              new ProxyOptions(uri, n[1], 0, -1, n[0], 1)
                  .withTokenFile(files.get("nodemesh/" + n[0]))
                  .withControllerCa(pki.caCert));
      proxies.add(closing.add(p));
      p.startTunnel(
          io.nodemesh.proxy.tunnel.TunnelSettings.defaults(tunnelPort),
          new IdentityTunnelCredentials(p.startIdentities(files.get("nodemesh-ca/" + n[0]))),
          Clock.systemUTC());
    }
    NodeProxy a = proxies.get(0);
    NodeProxy b = proxies.get(1);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(a.identities().orElseThrow().held())
                  .extracting(id -> id.account())
                  .containsExactly("shop/web");
              assertThat(b.identities().orElseThrow().held())
                  .extracting(id -> id.account())
                  .containsExactly("shop/api");
            });
    ListenerConfig api =
        a.config().listeners().stream()
            .filter(l -> l.key().equals("shop/api:80"))
            .findFirst()
            .orElseThrow();

    String r = get("127.0.0.21", "127.0.0.2", api.proxyPort(), "/hello");
    assertThat(r)
        .startsWith("HTTP/1.1 200")
        .containsPattern("pod saw /hello from [0-9.]+ as spiffe://" + TD + "/ns/shop/sa/web");
    // A caller the config does not know is refused in strict mode: never plaintext.
    assertThat(get("127.0.0.99", "127.0.0.2", api.proxyPort(), "/hello"))
        .doesNotStartWith("HTTP/1.1 200");
  }

  private static String get(String from, String host, int port, String path) throws IOException {
    return Callers.get(from, host, port, path);
  }
}
