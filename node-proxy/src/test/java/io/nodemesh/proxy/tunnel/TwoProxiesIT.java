package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import io.nodemesh.proxy.Listeners;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.testkit.Callers;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two real node proxies on loopback addresses, each with its tunnel: a client "pod" on node a calls
 * a Service whose pod is on node b, through both proxies (issue 14). Runs everywhere (no network
 * namespaces); {@link TunnelBedIT} is the same with real nodes.
 */
class TwoProxiesIT {
  private static final String TD = "two.test";
  private NodeProxy a;
  private NodeProxy b;
  private HttpServer pod;
  private int listenerPort;

  @BeforeEach
  void setUp() throws Exception {
    pod = Callers.identityEcho("127.0.0.41");
    int tunnelA = freePort("127.0.0.2");
    int tunnelB = freePort("127.0.0.3");
    listenerPort = freePort("127.0.0.2");
    ListenerConfig l =
        Listeners.shopApi(
            listenerPort,
            List.of(
                new EndpointConfig(
                    "127.0.0.41", pod.getAddress().getPort(), "b", true, true, false)));
    MeshConfig config =
        new MeshConfig(
            1,
            "mesh",
            List.of(l),
            AccessConfig.disabled(),
            Listeners.strictTunnel(
                TD,
                Map.of("a", "127.0.0.2:" + tunnelA, "b", "127.0.0.3:" + tunnelB),
                Map.of(
                    "127.0.0.21", new TunnelPod("a", "shop/web"),
                    "127.0.0.23", new TunnelPod("a", "shop/admin"),
                    "127.0.0.41", new TunnelPod("b", "shop/api"))));
    TunnelCa ca = TunnelCa.create(TD);
    a = NodeProxy.start(new ProxyOptions((URI) null, "127.0.0.2", 0, -1, "a", 1));
    b = NodeProxy.start(new ProxyOptions((URI) null, "127.0.0.3", 0, -1, "b", 1));
    a.startTunnel(
        settings(tunnelA),
        ca.credentials(
            ca.issue("shop/web", Duration.ofHours(1)), ca.issue("shop/admin", Duration.ofHours(1))),
        Clock.systemUTC());
    b.startTunnel(
        settings(tunnelB),
        ca.credentials(ca.issue("shop/api", Duration.ofHours(1))),
        Clock.systemUTC());
    a.apply(config);
    b.apply(config);
  }

  private static TunnelSettings settings(int port) {
    return new TunnelSettings(
        port, 100, Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofSeconds(10));
  }

  @AfterEach
  void tearDown() {
    a.close();
    b.close();
    pod.stop(0);
  }

  private static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(host, 0));
      return s.getLocalPort();
    }
  }

  /** One HTTP/1.1 request from {@code from}, on a connection of its own. */
  private String get(String from, String path) throws IOException {
    return Callers.get(from, "127.0.0.2", listenerPort, path);
  }

  @Test
  void crossNodeRequestsRideOneTunnelThroughBothProxies() throws Exception {
    for (int i = 0; i < 3; i++) {
      String r = get("127.0.0.21", "/n" + i);
      assertThat(r)
          .startsWith("HTTP/1.1 200")
          .contains("pod saw /n" + i + " from ")
          // The pod sees node b's proxy (on loopback the kernel picks 127.0.0.1), not the caller.
          .doesNotContain("from 127.0.0.21")
          .contains(" as spiffe://" + TD + "/ns/shop/sa/web");
    }
  }

  @Test
  void keepAliveRequestsOfOneClientConnection() throws Exception {
    try (Socket s = new Socket()) {
      s.setSoTimeout(30_000);
      s.bind(new InetSocketAddress("127.0.0.21", 0));
      s.connect(new InetSocketAddress("127.0.0.2", listenerPort));
      for (int i = 0; i < 3; i++) {
        s.getOutputStream()
            .write(
                ("GET /k" + i + " HTTP/1.1\r\nHost: api.shop.mesh\r\nAccept: */*\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        String head = readHead(s.getInputStream());
        assertThat(head).startsWith("HTTP/1.1 200");
        int len =
            Integer.parseInt(head.replaceAll("(?is).*content-length: *([0-9]+).*", "$1").trim());
        String body = new String(s.getInputStream().readNBytes(len), StandardCharsets.ISO_8859_1);
        assertThat(body).contains("pod saw /k" + i);
      }
    }
  }

  static String readHead(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    while (!b.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      b.append((char) c);
    }
    return b.toString();
  }

  /**
   * The first request on a new (source SA, node, destination SA) tunnel, certificates present and
   * the JVMs warm: TCP, TLS 1.3 with both certificates checked, HTTP/2 SETTINGS, then the request.
   * Printed, not asserted (docs/benchmarks.md).
   */
  @Test
  void firstRequestOnANewTunnel() throws Exception {
    for (int i = 0; i < 300; i++) {
      assertThat(get("127.0.0.21", "/warm")).startsWith("HTTP/1.1 200");
    }
    long t0 = System.nanoTime();
    String first = get("127.0.0.23", "/first");
    long t1 = System.nanoTime();
    String second = get("127.0.0.23", "/second");
    long t2 = System.nanoTime();
    assertThat(first)
        .startsWith("HTTP/1.1 200")
        .contains("as spiffe://" + TD + "/ns/shop/sa/admin");
    assertThat(second).startsWith("HTTP/1.1 200");
    System.out.printf(
        "tunnel: first request on a new tunnel %.2f ms (handshake included), next request %.2f ms%n",
        (t1 - t0) / 1e6, (t2 - t1) / 1e6);
  }

  /**
   * The destination keeps its pod connection alive across tunnel streams (one TCP connection for
   * all of them, where each used to open its own), and each request on it carries the identity of
   * its own caller, never the previous one's nor a forged copy.
   */
  @Test
  void destinationReusesOnePodConnectionWithEachCallersOwnIdentity() throws Exception {
    Set<Integer> podSides = ConcurrentHashMap.newKeySet();
    pod.createContext(
        "/conn",
        ex -> {
          podSides.add(ex.getRemoteAddress().getPort());
          byte[] body =
              ("as " + ex.getRequestHeaders().get("x-nodemesh-peer-identity"))
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    for (int i = 0; i < 6; i++) {
      String account = i % 2 == 0 ? "web" : "admin";
      assertThat(get(account.equals("web") ? "127.0.0.21" : "127.0.0.23", "/conn"))
          .startsWith("HTTP/1.1 200")
          .endsWith("as [spiffe://" + TD + "/ns/shop/sa/" + account + "]");
    }
    assertThat(podSides).as("pod connections the destination opened").hasSize(1);
  }

  @Test
  void strictModeRefusesACallerWithoutAnIdentityRatherThanSendPlaintext() throws Exception {
    String r = get("127.0.0.22", "/x");
    assertThat(r).startsWith("HTTP/1.1 502").contains("caller is not a known pod");
  }
}
