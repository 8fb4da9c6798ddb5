package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.ServerSocket;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The api item alone: an API server that does not answer fails the item, naming where. */
class ApiCheckTest {
  @Test
  void anUnreachableApiServerFailsNamingItsAddress() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (KubernetesClient down =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("https://127.0.0.1:" + port)
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build()) {
      CheckItem item = new ApiCheck().run(CheckContexts.of(down, Instant.EPOCH));
      assertThat(item.status()).isEqualTo(CheckItem.Status.FAIL);
      assertThat(item.detail()).startsWith("cannot reach https://127.0.0.1:" + port);
    }
  }
}
