package io.nodemesh.dns.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.nodemesh.config.wire.ShadowLabels;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MeshDnsServerTest {
  static final String LONG_NAME = "s" + "0123456789-".repeat(5) + "ab"; // 58
  static final String LONG_NS = "n" + "abcdefghij-".repeat(5) + "xyzxyz123"; // 65 > 63
  static final String NS63 = LONG_NS.substring(0, 63);

  static MeshNames names = new MeshNames();
  static MeshDnsServer server;

  static Service shadow(String shadowName, String ns, String name, String... ips) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(shadowName)
        .withNamespace("nodemesh")
        .addToLabels("app.kubernetes.io/managed-by", "nodemesh")
        .addToLabels(ShadowLabels.SOURCE_NAMESPACE_LABEL, ns)
        .addToLabels(ShadowLabels.SOURCE_NAME_LABEL, name)
        .endMetadata()
        .withNewSpec()
        .withClusterIP(ips[0])
        .withClusterIPs(ips)
        .endSpec()
        .build();
  }

  @BeforeAll
  static void start() throws InterruptedException {
    names.replace(
        List.of(
            shadow("whoami-shop-1a2b3c4d5e", "shop", "whoami", "10.96.1.1"),
            shadow("api-v2-team-3-aaaaaaaaaa", "team-3", "api-v2", "10.96.1.2"),
            // Traefik Mesh #378: "a-b/c" and "a/b-c" must not collide.
            shadow("c-a-b-bbbbbbbbbb", "a-b", "c", "10.96.1.3"),
            shadow("b-c-a-cccccccccc", "a", "b-c", "10.96.1.4"),
            // Traefik Mesh #746: a name and namespace too long for one label together.
            shadow(
                "s0123456789-0123456789-0123456789-0123456789-0-dddddddddd",
                NS63,
                LONG_NAME,
                "10.96.1.5"),
            shadow("dual-shop-eeeeeeeeee", "shop", "dual", "10.96.1.6", "fd00::6"),
            shadow("headless-shop-ffffffffff", "shop", "headless", "None")));
    server = MeshDnsServer.start("127.0.0.1", 0, "mesh", names);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static void assertA(DnsClient.Reply r, String ip) throws IOException {
    assertThat(r.rcode()).isZero();
    assertThat(r.authoritative()).isTrue();
    assertThat(r.answers())
        .containsExactly(
            new DnsClient.Answer(
                DnsClient.A, MeshDnsServer.TTL_SECONDS, InetAddress.getByName(ip)));
  }

  @Test
  void aMeshNameResolvesToItsShadowServiceOverUdpAndTcp() throws IOException {
    assertA(DnsClient.udp(server.port(), "whoami.shop.mesh", DnsClient.A), "10.96.1.1");
    assertA(DnsClient.tcp(server.port(), "whoami.shop.mesh", DnsClient.A), "10.96.1.1");
    assertA(DnsClient.udp(server.port(), "WhoAmI.Shop.MESH", DnsClient.A), "10.96.1.1");
  }

  @Test
  void corednsForwardHealthChecksGetAnAnswer() throws IOException {
    // CoreDNS's forward plugin probes an upstream with ". IN NS"; any answer (REFUSED too) is
    // healthy.
    assertThat(DnsClient.udp(server.port(), ".", 2).rcode()).isEqualTo(5);
  }

  @Test
  void queriesWithEdnsAreAnswered() throws IOException {
    DnsClient.Reply r =
        DnsClient.udp(server.port(), DnsClient.query(7, "whoami.shop.mesh", DnsClient.A, true));
    assertThat(r.id()).isEqualTo(7);
    assertA(r, "10.96.1.1");
  }

  @Test
  void hyphensDigitsAndLongNamesResolveWithoutCollisions() throws IOException {
    assertA(DnsClient.udp(server.port(), "api-v2.team-3.mesh", DnsClient.A), "10.96.1.2");
    assertA(DnsClient.udp(server.port(), "c.a-b.mesh", DnsClient.A), "10.96.1.3");
    assertA(DnsClient.udp(server.port(), "b-c.a.mesh", DnsClient.A), "10.96.1.4");
    assertA(
        DnsClient.udp(server.port(), LONG_NAME + "." + NS63 + ".mesh", DnsClient.A), "10.96.1.5");
  }

  @Test
  void addressFamiliesAreAnsweredSeparately() throws IOException {
    DnsClient.Reply aaaa = DnsClient.udp(server.port(), "dual.shop.mesh", DnsClient.AAAA);
    assertThat(aaaa.answers())
        .extracting(DnsClient.Answer::address)
        .containsExactly(InetAddress.getByName("fd00::6"));
    DnsClient.Reply v4only = DnsClient.udp(server.port(), "whoami.shop.mesh", DnsClient.AAAA);
    assertThat(v4only.rcode()).isZero();
    assertThat(v4only.answers()).isEmpty();
    assertThat(DnsClient.udp(server.port(), "whoami.shop.mesh", DnsClient.TXT).answers()).isEmpty();
  }

  @Test
  void unknownNamesAreNxdomainAndOtherZonesRefused() throws IOException {
    assertThat(DnsClient.udp(server.port(), "nope.shop.mesh", DnsClient.A).rcode()).isEqualTo(3);
    assertThat(DnsClient.udp(server.port(), "headless.shop.mesh", DnsClient.A).rcode())
        .isEqualTo(3);
    assertThat(DnsClient.udp(server.port(), "a.whoami.shop.mesh", DnsClient.A).rcode())
        .isEqualTo(3);
    assertThat(DnsClient.udp(server.port(), "shop.mesh", DnsClient.A).rcode()).isZero();
    assertThat(DnsClient.udp(server.port(), "whoami.shop.svc.cluster.local", DnsClient.A).rcode())
        .isEqualTo(5);
    assertThat(DnsClient.udp(server.port(), "whoami.shop.notmesh", DnsClient.A).rcode())
        .isEqualTo(5);
  }

  @Test
  void aChangedTableIsAnsweredAtOnce() throws IOException {
    MeshNames own = new MeshNames();
    try (MeshDnsServer s = startOn(own)) {
      assertThat(DnsClient.udp(s.port(), "whoami.shop.mesh", DnsClient.A).rcode()).isEqualTo(3);
      own.replace(List.of(shadow("x", "shop", "whoami", "10.96.9.9")));
      assertA(DnsClient.udp(s.port(), "whoami.shop.mesh", DnsClient.A), "10.96.9.9");
    }
  }

  @Test
  void theDomainIsConfigurable() throws IOException {
    try (MeshDnsServer s = startOn(names, "mesh.internal")) {
      assertA(DnsClient.udp(s.port(), "whoami.shop.mesh.internal", DnsClient.A), "10.96.1.1");
      assertThat(DnsClient.udp(s.port(), "whoami.shop.mesh", DnsClient.A).rcode()).isEqualTo(5);
    }
  }

  static MeshDnsServer startOn(MeshNames n) {
    return startOn(n, "mesh");
  }

  static MeshDnsServer startOn(MeshNames n, String domain) {
    try {
      return MeshDnsServer.start("127.0.0.1", 0, domain, n);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
