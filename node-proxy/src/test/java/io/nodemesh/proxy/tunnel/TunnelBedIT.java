package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.proxy.Listeners;
import io.nodemesh.proxy.netbed.EchoPod;
import io.nodemesh.proxy.netbed.NetBed;
import io.nodemesh.proxy.netbed.Pods;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of the netns test bed, each with its own node proxy and tunnel: a pod on node a calls a
 * Service whose pod runs on node b, through kube-proxy's stand-in (nftables DNAT to the proxy of
 * its own node), node a's proxy, the mTLS tunnel, and node b's proxy (issue 14).
 */
class TunnelBedIT {
  private static final String TD = "bed.test";
  private static final int TUNNEL = 15008;
  private static final int LISTENER_PORT = 5001;
  private static final int TCP_LISTENER_PORT = 5002;

  @TempDir Path dir;

  /** curl on {@code node} from {@code pod}'s address with {@code args}; then "time" and seconds. */
  private static String timedCurl(NetBed bed, NetBed.Node node, NetBed.Pod pod, String... args) {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of("curl", "-sS", "-w", "\\ntime %{time_total}\\n", "--interface", pod.ip()));
    cmd.addAll(List.of(args));
    return bed.exec(node, cmd.toArray(String[]::new));
  }

  @Test
  void crossNodeHttpAndTcpRideTheTunnelAndTheWireCarriesNoPlaintext() throws Exception {
    try (NetBed bed = NetBed.create(dir)) {
      NetBed.Node a = bed.addNode("a");
      NetBed.Node b = bed.addNode("b");
      NetBed.Pod web = bed.addPod(a);
      NetBed.Pod api = bed.addPod(b);
      Pods.startHttp(bed, api, 8080, "api-0");
      Pods.startJava(bed, b, "api-0-tcp", EchoPod.class, "tcp", api.ip(), "9000");

      TunnelCa ca = TunnelCa.create(TD);
      BedProxy.write(
          dir.resolve("creds-a"), TD, ca.root, ca.issue("shop/web", Duration.ofHours(1)));
      BedProxy.write(
          dir.resolve("creds-b"), TD, ca.root, ca.issue("shop/api", Duration.ofHours(1)));
      ListenerConfig listener =
          Listeners.shopApi(
              LISTENER_PORT, List.of(new EndpointConfig(api.ip(), 8080, "b", true, true, false)));
      // A TCP Service on the same pod: its connections ride the tunnel as CONNECT streams.
      ListenerConfig tcp =
          new ListenerConfig(
              "shop",
              "db",
              5432,
              Protocol.TCP,
              TCP_LISTENER_PORT,
              RouteConfig.direct(
                  new BackendConfig(
                      "db",
                      1,
                      List.of(new EndpointConfig(api.ip(), 9000, "b", true, true, false)))));
      TunnelConfig tunnel = BedProxy.shopTunnel(TD, TUNNEL, a, b, web, api);
      Path config = dir.resolve("config.json");
      Files.writeString(
          config,
          MeshConfigJson.write(
              new MeshConfig(1, "mesh", List.of(listener, tcp), AccessConfig.disabled(), tunnel)));
      for (NetBed.Node n : List.of(a, b)) {
        BedProxy.start(
            bed, n, TUNNEL, config.toString(), dir.resolve("creds-" + n.name()).toString());
      }
      // kube-proxy with internalTrafficPolicy: Local: the shadow ClusterIP goes to this node's
      // proxy.
      bed.nft(
          a,
          """
          table ip nmtb {
            chain out {
              type nat hook output priority -100;
              ip daddr 10.96.0.10 tcp dport 80 dnat to %s:%d;
              ip daddr 10.96.0.11 tcp dport 5432 dnat to %s:%d;
            }
          }
          """
              .formatted(a.ip(), LISTENER_PORT, a.ip(), TCP_LISTENER_PORT));

      NetBed.Capture capture = bed.capture("wire");
      capture.awaitListening();
      String secret = "MARKER-7f3a9c-" + System.nanoTime();
      String first =
          timedCurl(
              bed,
              a,
              web,
              "-H",
              "x-secret: " + secret,
              "-H",
              "x-nodemesh-peer-identity: spiffe://" + TD + "/ns/kube-system/sa/admin",
              "http://10.96.0.10/path-" + secret);
      String second = timedCurl(bed, a, web, "http://10.96.0.10/again-" + secret);
      String tcpSecret = "TCPMARKER-" + System.nanoTime();
      String echoed =
          bed.exec(
              a,
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp",
              System.getProperty("java.class.path"),
              TcpCall.class.getName(),
              web.ip(),
              "10.96.0.11",
              "5432",
              tcpSecret);
      // The control: the same capture does see plaintext that does not ride the tunnel.
      String control = "CONTROL-" + System.nanoTime();
      bed.exec(
          a, "curl", "-sS", "--interface", web.ip(), "http://" + api.ip() + ":8080/" + control);
      boolean controlSeen = capture.awaitSeen(control);
      byte[] pcap = capture.stop();
      String wire = new String(pcap, StandardCharsets.ISO_8859_1);

      assertThat(first)
          .contains("pod api-0")
          .contains("GET /path-" + secret)
          .contains("x-secret: " + secret)
          .contains("x-nodemesh-peer-identity: spiffe://" + TD + "/ns/shop/sa/web")
          .doesNotContain("kube-system")
          // The pod sees node b's proxy, not the caller.
          .contains("peer " + b.ip());
      // The second request rides the same tunnel connection, on a new stream.
      assertThat(second).contains("pod api-0").contains("GET /again-" + secret);
      assertThat(controlSeen).as("the control request is visible on the wire").isTrue();
      assertThat(wire).contains(control);
      assertThat(wire).as("nothing of the tunnelled requests is").doesNotContain(secret);
      // A TCP connection through both proxies: echoed whole (half-close included), never on the
      // wire in plaintext.
      assertThat(echoed).contains("echo " + tcpSecret);
      assertThat(wire).as("nothing of the tunnelled TCP bytes is").doesNotContain(tcpSecret);
      System.out.printf("tunnel bed: %d bytes captured on the inter-node link%n", pcap.length);
      System.out.printf(
          "tunnel bed: first request (new tunnel, handshake included) %s s, second %s s (curl time_total)%n",
          first.substring(first.lastIndexOf("time ") + 5).trim(),
          second.substring(second.lastIndexOf("time ") + 5).trim());
    }
  }
}
