package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.MeshConfigs;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: SMI judges access per serving pod. A canary under a new service account that no
 * TrafficTarget names must not deny a caller its requests to the old version; the caller's traffic
 * goes only to the pods whose service account allows it. The pods are on 127.0.0.2 (shop/v1) and
 * 127.0.0.3 (shop/v2); the caller is 127.0.0.1 (default/web), and 127.0.0.4 (default/other) is
 * allowed nowhere.
 */
class AccessPerPodIT {
  private static final String V1 = "127.0.0.2";
  private static final String V2 = "127.0.0.3";

  private static HttpServer http(String ip, String name) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(ip, 0), 50);
    s.createContext(
        "/",
        ex -> {
          byte[] body = name.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    s.start();
    return s;
  }

  private static MeshConfig config(ListenerConfig l) {
    ListenerAccess access =
        new ListenerAccess(
            l.key(),
            List.of("shop/v1", "shop/v2"),
            List.of(
                new AccessGrant(
                    "shop/web-to-v1",
                    "TCPRoute shop/all",
                    "shop/v1",
                    List.of("default/web"),
                    List.of())));
    return new MeshConfig(
        1,
        "mesh",
        List.of(l),
        new AccessConfig(
            true,
            Map.of(
                "127.0.0.1",
                "default/web",
                "127.0.0.4",
                "default/other",
                V1,
                "shop/v1",
                V2,
                "shop/v2"),
            List.of(access)));
  }

  /** {@code which} on a free port of {@code proxy}, split to v1 and v2 in ACL mode; the port. */
  private static int guardedCanary(
      NodeProxy proxy, MeshConfigs.Listener which, int v1Port, int v2Port) {
    int port = freePort();
    proxy.apply(config(which.on(port, canary(v1Port, v2Port))));
    return port;
  }

  private static RouteConfig canary(int v1Port, int v2Port) {
    return new RouteConfig(
        new BackendConfig(
            "web", 1, List.of(EndpointConfig.ready(V1, v1Port), EndpointConfig.ready(V2, v2Port))),
        List.of(
            new BackendConfig("web-v1", 50, List.of(EndpointConfig.ready(V1, v1Port))),
            new BackendConfig("web-v2", 50, List.of(EndpointConfig.ready(V2, v2Port)))),
        List.of(),
        "shop/canary");
  }

  @Test
  void httpRequestsGoOnlyToThePodsThatAllowTheCaller() throws Exception {
    HttpServer v1 = http(V1, "v1");
    HttpServer v2 = http(V2, "v2");
    try (NodeProxy proxy = NodeProxy.start(local())) {
      int port =
          guardedCanary(
              proxy,
              MeshConfigs.Listener.SHOP_WEB,
              v1.getAddress().getPort(),
              v2.getAddress().getPort());
      HttpClient web = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      List<String> bodies = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r =
            web.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        bodies.add(r.body());
      }
      assertThat(bodies).containsOnly("v1");

      HttpClient other =
          HttpClient.newBuilder()
              .localAddress(InetAddress.getByName("127.0.0.4"))
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      HttpResponse<String> denied =
          other.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(denied.statusCode()).isEqualTo(403);
    } finally {
      v1.stop(0);
      v2.stop(0);
    }
  }

  @Test
  void tcpConnectionsGoOnlyToThePodsThatAllowTheCaller() throws Exception {
    try (ServerSocket v1 = named(V1, "v1");
        ServerSocket v2 = named(V2, "v2");
        NodeProxy proxy = NodeProxy.start(local())) {
      int port =
          guardedCanary(proxy, MeshConfigs.Listener.DB, v1.getLocalPort(), v2.getLocalPort());
      for (int i = 0; i < 10; i++) {
        try (Socket s = Configs.connect(port)) {
          assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
              .isEqualTo("v1");
        }
      }
    }
  }

  @Test
  void udpSessionsGoOnlyToThePodsThatAllowTheCaller() throws Exception {
    try (DatagramSocket v1 = namedUdp(V1, "v1");
        DatagramSocket v2 = namedUdp(V2, "v2");
        NodeProxy proxy = NodeProxy.start(local())) {
      int port =
          guardedCanary(proxy, MeshConfigs.Listener.DNS, v1.getLocalPort(), v2.getLocalPort());
      for (int i = 0; i < 6; i++) {
        // A new client port each time: a new session, a new pick.
        try (DatagramSocket c = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
          c.setSoTimeout(10_000);
          byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
          c.send(new DatagramPacket(ping, ping.length, InetAddress.getByName("127.0.0.1"), port));
          DatagramPacket reply = new DatagramPacket(new byte[64], 64);
          c.receive(reply);
          assertThat(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII))
              .isEqualTo("v1");
        }
      }
    }
  }

  /** Answers every datagram with its name. */
  private static DatagramSocket namedUdp(String ip, String name) throws IOException {
    DatagramSocket server = new DatagramSocket(0, InetAddress.getByName(ip));
    Thread.ofVirtual()
        .start(
            () -> {
              byte[] buf = new byte[512];
              while (!server.isClosed()) {
                try {
                  DatagramPacket p = new DatagramPacket(buf, buf.length);
                  server.receive(p);
                  byte[] out = name.getBytes(StandardCharsets.US_ASCII);
                  server.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
                } catch (IOException e) {
                  return;
                }
              }
            });
    return server;
  }

  /** Writes its name to every connection and closes it. */
  private static ServerSocket named(String ip, String name) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName(ip));
    Thread.ofVirtual()
        .start(
            () -> {
              while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                  s.getOutputStream().write(name.getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  return;
                }
              }
            });
    return server;
  }
}
