package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.dns.DnsPatcher;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The dns item alone, against the mock API server with a CoreDNS 1.11 to patch. */
@EnableKubernetesMockClient(crud = true)
class DnsCheckTest {
  KubernetesClient client;

  CheckItem check() {
    return new DnsCheck().run(CheckContexts.of(client, Instant.EPOCH));
  }

  void coreDns() {
    CoreDnsFixture.create(
        client, "nodemesh", ".:53 {\n    errors\n    reload\n    forward . /etc/resolv.conf\n}\n");
  }

  @Test
  void anUnpatchedCoreDnsSaysToRunPrepare() {
    coreDns();
    CheckItem item = check();
    assertThat(item.status()).isEqualTo(CheckItem.Status.FAIL);
    assertThat(item.detail())
        .endsWith("mesh. names are not sent to the mesh; run `nodemesh prepare`");
  }

  @Test
  void aPatchedCoreDnsPassesNamingWhereTheZoneGoes() {
    coreDns();
    new DnsPatcher(client, new DnsPatcher.Settings("kube-system", "nodemesh", "mesh", null))
        .prepare();
    CheckItem item = check();
    assertThat(item.status()).as(item.line()).isEqualTo(CheckItem.Status.PASS);
    assertThat(item.detail()).contains("CoreDNS 1.11.1").endsWith("mesh. goes to 10.96.0.53");
  }

  @Test
  void noClusterDnsFails() {
    assertThat(check().status()).isEqualTo(CheckItem.Status.FAIL);
  }
}
