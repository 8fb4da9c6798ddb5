package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.proxy.Listeners;
import io.nodemesh.proxy.Scrape;
import io.nodemesh.proxy.netbed.BedClock;
import io.nodemesh.proxy.netbed.NetBed;
import io.nodemesh.proxy.netbed.Pods;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate expiry and rotation in the netns bed, with time moved (issue 14: "the clock can be
 * moved in tests, for expiry and rotation"). Three processes on three nodes: a controller with its
 * CA ({@link BedController}, node ctl) and two node proxies ({@link BedProxy}), which get their
 * config and certificates from it over TLS as in a cluster. Each process runs on a {@link BedClock}
 * the test moves, hours in seconds.
 *
 * <p>With the controller reachable, both proxies renew at half life while requests flow from a pod
 * on node a to a pod on node b through the tunnel, past the end of the first certificates, and none
 * fails. Cut off from the controller, node a cannot renew and still holds its old certificate when
 * node b's clock (4 minutes ahead: skew within the 5 minutes NotBefore is backdated) has passed its
 * end: node b refuses it in the handshake, so the request fails, and the series the dashboard's
 * tunnel row shows say so. Reconnected, node a renews and the next request goes through.
 */
class CertificateClockBedIT {
  private static final String TD = "clock.bed";
  private static final int TUNNEL = 15008;
  private static final int CONTROLLER = 9443;
  private static final int LISTENER_PORT = 5001;
  private static final long LIFETIME_MINUTES = 60;
  private static final String EXPIRY = "nodemesh_proxy_certificate_expiry_seconds";
  private static final String REQUESTS = "nodemesh_proxy_certificate_requests_total";
  private static final String HANDSHAKES = "nodemesh_tunnel_handshakes_total";
  private static final Pattern ADMIN = Pattern.compile("ADMIN (\\d+)");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private NetBed bed;
  private NetBed.Node a;
  private NetBed.Node b;
  private NetBed.Pod web;
  private int adminA;
  private int adminB;

  @Test
  void proxiesRenewAtHalfLifeUnderLoadAndAnExpiredCertificateIsRefusedAtTheDestination()
      throws Exception {
    try (NetBed netBed = NetBed.create(dir)) {
      bed = netBed;
      start();
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                assertThat(metric(a, EXPIRY, "service_account=shop/web")).isGreaterThan(3000);
                assertThat(metric(b, EXPIRY, "service_account=shop/api")).isGreaterThan(3000);
              });
      await().atMost(Duration.ofSeconds(60)).until(() -> call("/first").equals("200"));

      // Rotation: requests flow while the clocks pass half life, then the first certificates' end.
      ConcurrentLinkedQueue<String> answers = new ConcurrentLinkedQueue<>();
      AtomicLong ok = new AtomicLong();
      AtomicBoolean running = new AtomicBoolean(true);
      ExecutorService load = Executors.newVirtualThreadPerTaskExecutor();
      for (int w = 0; w < 2; w++) {
        load.execute(
            () -> {
              while (running.get()) {
                String code = call("/load");
                answers.add(code);
                if (code.equals("200")) {
                  ok.incrementAndGet();
                }
              }
            });
      }
      double handshakesBefore = metric(a, HANDSHAKES, "side=client", "result=ok");
      for (int round = 2; round <= 3; round++) {
        move(Duration.ofMinutes(35), "a", "b", "ctl");
        int issued = round;
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  assertThat(metric(a, REQUESTS, "result=issued")).isEqualTo(issued);
                  assertThat(metric(b, REQUESTS, "result=issued")).isEqualTo(issued);
                });
        long after = ok.get();
        await().atMost(Duration.ofSeconds(60)).until(() -> ok.get() >= after + 20);
      }
      running.set(false);
      load.shutdown();
      assertThat(load.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      assertThat(answers)
          .as("answers during rotation; tunnel series of a: %s; of b: %s", tunnel(a), tunnel(b))
          .isNotEmpty()
          .containsOnly("200");
      // Each certificate of node a opened its own tunnel connection, and node b accepted it.
      assertThat(metric(a, HANDSHAKES, "side=client", "result=ok"))
          .isGreaterThanOrEqualTo(handshakesBefore + 2);
      assertThat(metric(a, EXPIRY, "service_account=shop/web")).isGreaterThan(1800);
      // The destination counted every request as an HTTP stream it relayed to its pod.
      assertThat(metric(b, "nodemesh_tunnel_streams_total", "kind=http"))
          .isGreaterThanOrEqualTo(answers.size());
      System.out.printf(
          "certificate clock bed: %d requests while the clocks moved 70 min, 0 failed%n",
          answers.size());

      // Node a loses the controller; idle tunnels close, so the next request needs a handshake.
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> metric(a, "nodemesh_tunnel_connections") == 0);
      bed.nft(
          a,
          """
          table inet nmtbcut {
            chain out {
              type filter hook output priority 0;
              ip daddr %s tcp dport %d reject with tcp reset;
            }
          }
          """
              .formatted(bed.nodes().get(2).ip(), CONTROLLER));
      double failedBefore = metric(a, REQUESTS, "result=failed");
      double refusedBefore = metric(b, HANDSHAKES, "side=server", "result=certificate");
      // Node a's clock to 3 minutes before its certificate ends, node b's and the CA's 4 past it.
      Duration left = Duration.ofSeconds((long) metric(a, EXPIRY, "service_account=shop/web"));
      move(left.minusMinutes(3), "a");
      move(left.plusMinutes(1), "b", "ctl");
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                assertThat(metric(a, REQUESTS, "result=failed")).isGreaterThan(failedBefore);
                assertThat(metric(b, EXPIRY, "service_account=shop/api")).isGreaterThan(600);
              });
      // Node a did not renew: it holds the old certificate, under the alert's 30 minutes.
      assertThat(metric(a, EXPIRY, "service_account=shop/web")).isBetween(1.0, 180.0);
      assertThat(call("/expired")).isNotEqualTo("200");
      assertThat(metric(b, HANDSHAKES, "side=server", "result=certificate"))
          .isGreaterThan(refusedBefore);

      // The controller is back: node a renews (its retries back off up to 60 s) and is let in.
      bed.exec(a, "nft", "delete", "table", "inet", "nmtbcut");
      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> metric(a, EXPIRY, "service_account=shop/web") > 3000);
      await().atMost(Duration.ofSeconds(60)).until(() -> call("/renewed").equals("200"));
    }
  }

  private void start() throws Exception {
    a = bed.addNode("a");
    b = bed.addNode("b");
    NetBed.Node ctl = bed.addNode("ctl");
    web = bed.addPod(a);
    NetBed.Pod api = bed.addPod(b);
    Pods.startHttp(bed, api, 8080, "api-0");
    TunnelConfig tunnel = BedProxy.shopTunnel(TD, TUNNEL, a, b, web, api);
    MeshConfig config =
        new MeshConfig(
            1,
            "mesh",
            List.of(
                Listeners.shopApi(
                    LISTENER_PORT,
                    List.of(new EndpointConfig(api.ip(), 8080, "b", true, true, false)))),
            AccessConfig.disabled(),
            tunnel);
    Path configFile = Files.writeString(dir.resolve("config.json"), MeshConfigJson.write(config));
    for (String who : List.of("a", "b", "ctl")) {
      BedClock.set(clock(who), Duration.ZERO);
    }
    Pods.startJava(
        bed,
        ctl,
        "controller",
        BedController.class,
        ctl.ip(),
        Integer.toString(CONTROLLER),
        dir.toString(),
        clock("ctl").toString(),
        configFile.toString(),
        Long.toString(LIFETIME_MINUTES));
    for (NetBed.Node n : List.of(a, b)) {
      BedProxy.start(
          bed,
          n,
          TUNNEL,
          "https://" + ctl.ip() + ":" + CONTROLLER,
          dir.resolve("controller-ca.pem").toString(),
          clock(n.name()).toString());
    }
    adminA = adminPort("proxy-a");
    adminB = adminPort("proxy-b");
    // kube-proxy's stand-in: the shadow ClusterIP goes to this node's proxy.
    bed.nft(
        a,
        """
        table ip nmtb {
          chain out {
            type nat hook output priority -100;
            ip daddr 10.96.0.10 tcp dport 80 dnat to %s:%d;
          }
        }
        """
            .formatted(a.ip(), LISTENER_PORT));
  }

  /** One request from the web pod on node a to the api Service: the status, 000 when none. */
  private String call(String path) {
    return bed.tryExec(
            a,
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "15",
            "--interface",
            web.ip(),
            "http://10.96.0.10" + path)
        .out()
        .strip();
  }

  /** The sum of the series of {@code name} with {@code labels} on a node's proxy, scraped now. */
  private double metric(NetBed.Node node, String name, String... labels) {
    return scrape(node).sum(name, labels);
  }

  private Scrape scrape(NetBed.Node node) {
    int port = node == a ? adminA : adminB;
    return Scrape.parse(
        bed.exec(
            node,
            "curl",
            "-sS",
            "--max-time",
            "10",
            "http://" + node.ip() + ":" + port + "/metrics"));
  }

  /** The tunnel's series on a node's proxy, for a failure message. */
  private String tunnel(NetBed.Node node) {
    return scrape(node).series().entrySet().stream()
        .filter(e -> e.getKey().startsWith("nodemesh_tunnel"))
        .map(e -> e.getKey() + " " + e.getValue())
        .toList()
        .toString();
  }

  private Path clock(String who) {
    return dir.resolve("clock-" + who);
  }

  /** Moves the clocks of {@code who} forward by {@code by}. */
  private void move(Duration by, String... who) {
    for (String w : who) {
      BedClock.set(clock(w), BedClock.get(clock(w)).plus(by));
    }
  }

  private int adminPort(String name) throws Exception {
    Matcher m = ADMIN.matcher(Files.readString(bed.log(name)));
    assertThat(m.find()).as("%s printed its admin port", name).isTrue();
    return Integer.parseInt(m.group(1));
  }
}
