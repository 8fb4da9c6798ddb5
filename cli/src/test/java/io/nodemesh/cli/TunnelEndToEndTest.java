package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.api.ApiSecurity;
import io.nodemesh.controller.api.ApiTls;
import io.nodemesh.controller.identity.IdentitySettings;
import io.nodemesh.controller.source.InformerSource;
import io.nodemesh.controller.tunnel.TunnelSettings;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.identity.IdentityTunnelCredentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
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
  static final String PROXY = "system:serviceaccount:nodemesh:nodemesh-proxy";
  static final String TD = "tunnel.e2e";

  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir Path dir;
  Controller controller;
  final List<NodeProxy> proxies = new ArrayList<>();
  HttpServer pod;

  @AfterEach
  void stop() {
    proxies.forEach(NodeProxy::close);
    if (controller != null) {
      controller.close();
    }
    if (pod != null) {
      pod.stop(0);
    }
  }

  static Pod pod(String ns, String name, String sa, String node, String ip) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName(sa)
        .withNodeName(node)
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP(ip)
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .endStatus()
        .build();
  }

  Pod create(Pod p) {
    return client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
  }

  private static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(host, 0));
      return s.getLocalPort();
    }
  }

  @Test
  void aCrossNodeRequestRidesTheTunnelOnCertificatesOfTheControllersCa() throws Exception {
    pod = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.41"), 0), 16);
    pod.createContext(
        "/",
        ex -> {
          byte[] body =
              ("pod saw "
                      + ex.getRequestURI()
                      + " as "
                      + ex.getRequestHeaders().getFirst("x-nodemesh-peer-identity"))
                  .getBytes(StandardCharsets.UTF_8);
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    pod.start();
    Map<String, String> proxyLabels = ControllerOptions.DEFAULT_PROXY_SELECTOR;
    Pod proxyA =
        create(
            new PodBuilder(pod("nodemesh", "proxy-a", "nodemesh-proxy", "node-a", "127.0.0.2"))
                .editMetadata()
                .withLabels(proxyLabels)
                .endMetadata()
                .build());
    Pod proxyB =
        create(
            new PodBuilder(pod("nodemesh", "proxy-b", "nodemesh-proxy", "node-b", "127.0.0.3"))
                .editMetadata()
                .withLabels(proxyLabels)
                .endMetadata()
                .build());
    create(pod("shop", "web-1", "web", "node-a", "127.0.0.21"));
    create(pod("shop", "api-1", "api", "node-b", "127.0.0.41"));
    client
        .services()
        .inNamespace("shop")
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withNamespace("shop")
                .withName("api")
                .endMetadata()
                .withNewSpec()
                .withPorts(new ServicePortBuilder().withName("http").withPort(80).build())
                .endSpec()
                .build())
        .create();
    client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace("shop")
        .resource(
            new EndpointSliceBuilder()
                .withNewMetadata()
                .withNamespace("shop")
                .withName("api-1")
                .addToLabels("kubernetes.io/service-name", "api")
                .endMetadata()
                .withAddressType("IPv4")
                .withPorts(
                    new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder()
                        .withName("http")
                        .withPort(pod.getAddress().getPort())
                        .withProtocol("TCP")
                        .build())
                .addNewEndpoint()
                .withAddresses("127.0.0.41")
                .withNodeName("node-b")
                .withNewConditions()
                .withReady(true)
                .endConditions()
                .endEndpoint()
                .build())
        .create();

    // One config token and one CA token per proxy; the CA token names the proxy's pod.
    Map<String, String> podOfToken = new HashMap<>();
    Map<String, Path> files = new HashMap<>();
    for (Pod p : List.of(proxyA, proxyB)) {
      String node = p.getSpec().getNodeName();
      for (String aud : List.of("nodemesh", "nodemesh-ca")) {
        String token = jwtFor(aud, node);
        podOfToken.put(token, p.getMetadata().getUid());
        files.put(aud + "/" + node, Files.writeString(dir.resolve(aud + "-" + node), token));
      }
    }
    server
        .expect()
        .post()
        .withPath("/apis/authentication.k8s.io/v1/tokenreviews")
        .andReply(
            201,
            req -> {
              TokenReview asked =
                  client
                      .getKubernetesSerialization()
                      .unmarshal(req.getBody().readUtf8(), TokenReview.class);
              String uid = podOfToken.get(asked.getSpec().getToken());
              boolean ok = uid != null;
              return new TokenReviewBuilder()
                  .withNewStatus()
                  .withAuthenticated(ok)
                  .withAudiences(ok ? asked.getSpec().getAudiences() : List.of())
                  .withNewUser()
                  .withUsername(ok ? PROXY : null)
                  .withExtra(
                      ok ? Map.of("authentication.kubernetes.io/pod-uid", List.of(uid)) : Map.of())
                  .endUser()
                  .endStatus()
                  .build();
            })
        .always();

    TestCa pki = new TestCa(dir, "controller");
    InformerSource source = new InformerSource(client, null);
    controller =
        Controller.start(
            ControllerOptions.defaults().withApi("127.0.0.1", 0),
            source,
            client,
            new ApiSecurity("nodemesh-proxy", true, new ApiTls(pki.tlsCert, pki.tlsKey)),
            IdentitySettings.defaults().withTrustDomain(TD));
    int tunnelPort = freePort("127.0.0.2");
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
      proxies.add(p);
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
        .contains("pod saw /hello as spiffe://" + TD + "/ns/shop/sa/web");
    // A caller the config does not know is refused in strict mode: never plaintext.
    assertThat(get("127.0.0.99", "127.0.0.2", api.proxyPort(), "/hello"))
        .doesNotStartWith("HTTP/1.1 200");
  }

  static String jwtFor(String audience, String node) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(
            ("{\"aud\":[\"" + audience + "\"],\"sub\":\"" + PROXY + "\",\"node\":\"" + node + "\"}")
                .getBytes(StandardCharsets.UTF_8))
        + ".sig";
  }

  private static String get(String from, String host, int port, String path) throws IOException {
    try (Socket s = new Socket()) {
      s.setSoTimeout(30_000);
      s.bind(new InetSocketAddress(from, 0));
      s.connect(new InetSocketAddress(host, port));
      s.getOutputStream()
          .write(
              ("GET "
                      + path
                      + " HTTP/1.1\r\nHost: api.shop.mesh\r\nConnection: close\r\n"
                      + "x-nodemesh-peer-identity: forged\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
