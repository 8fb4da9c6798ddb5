package io.nodemesh.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.strict.StrictPolicies;
import io.nodemesh.proxy.netbed.NetBed;
import io.nodemesh.proxy.netbed.NetworkPolicyNft;
import io.nodemesh.proxy.netbed.NetworkPolicyNft.BedPod;
import io.nodemesh.proxy.netbed.Pods;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strict mode in the netns bed (issue 14): node b runs pod {@code api} of the strict namespace
 * {@code bank}; its network applies the NetworkPolicy the controller's {@link StrictPolicies}
 * builds for that namespace, translated to nftables by {@link NetworkPolicyNft}. A pod on node a
 * that calls the pod IP directly is refused; the same pod through the mesh (node a's proxy, the
 * mTLS tunnel, node b's proxy) is served; a host process of node b still gets in, as every CNI lets
 * the own node in.
 *
 * <p>Each proxy has an address of its own, as a proxy pod has its pod IP. The bed's proxy does not
 * bind its connections to pods, so node b's local route to {@code api} names the proxy's address as
 * the source: the pod sees the proxy, as it would in a cluster, and the host process binds the
 * node's own address.
 */
class StrictModeBedIT {
  @TempDir Path dir;

  private static final String TD = "bed.test";
  private static final int TUNNEL = 15008;
  private static final int POD_PORT = 8080;
  private static final Map<String, String> PROXY_LABELS = ControllerOptions.DEFAULT_PROXY_SELECTOR;

  @Test
  void aDirectCallFromAnotherNodeIsRefusedWhileTheMeshAndTheOwnNodeGetThrough() throws Exception {
    try (NetBed bed = NetBed.create(dir)) {
      // Node a: its proxy and the caller; node b: its proxy, the strict pod and a neighbour.
      NetBed.Node a = bed.addNode("a");
      NetBed.Pod proxyA = bed.addPod(a);
      NetBed.Pod web = bed.addPod(a);
      NetBed.Node b = bed.addNode("b");
      NetBed.Pod proxyB = bed.addPod(b);
      NetBed.Pod api = bed.addPod(b);
      NetBed.Pod neighbour = bed.addPod(b);
      Pods.startHttp(bed, api, POD_PORT, "api-0");
      bed.exec(
          b,
          "ip",
          "route",
          "replace",
          "local",
          api.ip(),
          "dev",
          "eth0",
          "table",
          "local",
          "proto",
          "kernel",
          "scope",
          "host",
          "src",
          proxyB.ip());

      Map<String, String> tunnels =
          Map.of("a", proxyA.ip() + ":" + TUNNEL, "b", proxyB.ip() + ":" + TUNNEL);
      Map<String, TunnelPod> accounts =
          Map.of(
              web.ip(), new TunnelPod("a", "shop/web"), api.ip(), new TunnelPod("b", "bank/api"));
      // Strict by the chart's default (mtls.mode: strict), as the controller serves it.
      TunnelConfig tunnel = new TunnelConfig(MtlsMode.STRICT, Map.of(), TD, tunnels, accounts);
      startProxies(bed, Map.of(a, proxyA, b, proxyB), tunnel, api);

      String direct = "http://" + api.ip() + ":" + POD_PORT + "/direct";
      // Before the policy: the direct call works, so what refuses it below is the policy.
      assertThat(bed.tryExec(a, curl(web.ip(), direct)).out()).contains("pod api-0");

      NetworkPolicy policy = controllersPolicy(tunnel);
      List<BedPod> pods =
          List.of(
              new BedPod("nodemesh", PROXY_LABELS, proxyA.ip(), "a"),
              new BedPod("nodemesh", PROXY_LABELS, proxyB.ip(), "b"),
              new BedPod("shop", Map.of("app", "web"), web.ip(), "a"),
              new BedPod("bank", Map.of("app", "api"), api.ip(), "b"),
              new BedPod("bank", Map.of("app", "neighbour"), neighbour.ip(), "b"));
      bed.nft(b, NetworkPolicyNft.translate(policy, "b", b.ip(), pods));

      // Another node's pod, and another node's host, calling the pod IP: refused.
      NetBed.Result fromPod = bed.tryExec(a, curl(web.ip(), direct));
      NetBed.Result fromHostA = bed.tryExec(a, curl(a.ip(), direct));
      // A pod of the same node is no exception either; only the node itself is.
      NetBed.Result fromNeighbour = bed.tryExec(b, curl(neighbour.ip(), direct));
      assertThat(List.of(fromPod, fromHostA, fromNeighbour))
          .allSatisfy(r -> assertThat(r.out()).doesNotContain("pod api-0"))
          .allSatisfy(r -> assertThat(r.code()).isNotZero());
      // Through the mesh: the shadow ClusterIP, node a's proxy, the tunnel, node b's proxy.
      bed.nft(
          a,
          """
          table ip nmtb {
            chain out { type nat hook output priority -100; ip daddr 10.96.0.10 tcp dport 80 dnat to %s:5001; }
          }
          """
              .formatted(proxyA.ip()));
      String meshed = bed.exec(a, curl(web.ip(), "http://10.96.0.10/meshed"));
      assertThat(meshed)
          .contains("pod api-0")
          .contains("GET /meshed")
          .contains("peer " + proxyB.ip())
          .contains("x-nodemesh-peer-identity: spiffe://" + TD + "/ns/shop/sa/web");
      // Node b's own host process: the exemption NetworkPolicy cannot take away.
      String own = bed.exec(b, curl(b.ip(), "http://" + api.ip() + ":" + POD_PORT + "/own"));
      assertThat(own).contains("pod api-0").contains("peer " + b.ip());

      assertThat(counter(bed, b, "denied")).as("direct calls dropped").isGreaterThanOrEqualTo(3);
      assertThat(counter(bed, b, "rule_0")).as("the proxy let in by the policy").isPositive();
      assertThat(counter(bed, b, "own_node")).as("the host let in as own node").isPositive();
      System.out.printf(
          "strict bed: dropped %d, proxy rule %d, own node %d packets%n",
          counter(bed, b, "denied"), counter(bed, b, "rule_0"), counter(bed, b, "own_node"));
    }
  }

  /** The policy the controller writes for the strict namespace {@code bank}. */
  private static NetworkPolicy controllersPolicy(TunnelConfig tunnel) {
    Namespace bank =
        new NamespaceBuilder().withNewMetadata().withName("bank").endMetadata().build();
    List<Problem> problems = new ArrayList<>();
    Map<String, NetworkPolicy> policies =
        StrictPolicies.desired(
            tunnel, List.of(bank), n -> true, "nodemesh", PROXY_LABELS, problems);
    assertThat(problems).isEmpty();
    assertThat(policies).containsOnlyKeys("bank");
    return policies.get("bank");
  }

  private void startProxies(
      NetBed bed, Map<NetBed.Node, NetBed.Pod> proxies, TunnelConfig tunnel, NetBed.Pod api)
      throws Exception {
    TunnelCa ca = TunnelCa.create(TD);
    Map<String, String> accounts = Map.of("a", "shop/web", "b", "bank/api");
    EndpointConfig endpoint = new EndpointConfig(api.ip(), POD_PORT, "b", true, true, false);
    MeshConfig config =
        new MeshConfig(
            1,
            "mesh",
            List.of(
                new ListenerConfig(
                    "bank",
                    "api",
                    80,
                    Protocol.HTTP,
                    5001,
                    RouteConfig.direct(new BackendConfig("api", 1, List.of(endpoint))))),
            AccessConfig.disabled(),
            tunnel);
    Path file = dir.resolve("strict-config.json");
    Files.writeString(file, MeshConfigJson.write(config));
    for (var e : proxies.entrySet()) {
      String node = e.getKey().name();
      Path creds = dir.resolve("strict-creds-" + node);
      BedProxy.write(creds, TD, ca.root, ca.issue(accounts.get(node), Duration.ofHours(1)));
      Pods.startJava(
          bed,
          e.getKey(),
          "strict-proxy-" + node,
          BedProxy.class,
          node,
          e.getValue().ip(),
          Integer.toString(TUNNEL),
          file.toString(),
          creds.toString());
    }
  }

  /** curl from {@code source}, giving up after 5 s (a dropped SYN is retried, never answered). */
  private static String[] curl(String source, String url) {
    return new String[] {"curl", "-sS", "--max-time", "5", "--interface", source, url};
  }

  private static long counter(NetBed bed, NetBed.Node node, String name) {
    String out = bed.exec(node, "nft", "list", "counter", "inet", NetworkPolicyNft.TABLE, name);
    int at = out.indexOf("packets ");
    return Long.parseLong(out.substring(at + 8, out.indexOf(' ', at + 8)).trim());
  }
}
