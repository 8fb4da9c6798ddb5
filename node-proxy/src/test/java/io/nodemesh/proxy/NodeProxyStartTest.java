package io.nodemesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * Start-up runs the admin server concurrently with the rest: a failure on either side must still
 * end in one clear exception and leave no port bound.
 */
class NodeProxyStartTest {

  @Test
  void adminPortInUseFailsTheStartAndReleasesTheEntryPort() throws Exception {
    int entry = Configs.freePort();
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      ProxyOptions options =
          new ProxyOptions(null, "127.0.0.1", taken.getLocalPort(), entry, "test-node", 1);

      assertThatThrownBy(() -> NodeProxy.start(options))
          .isInstanceOf(IllegalStateException.class);
    }
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress("127.0.0.1", entry));
      assertThat(again.isBound()).isTrue();
    }
  }

  @Test
  void entryPortInUseFailsTheStartAndStopsTheAdminServer() throws Exception {
    int admin = Configs.freePort();
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      ProxyOptions options =
          new ProxyOptions(null, "127.0.0.1", admin, taken.getLocalPort(), "test-node", 1);

      assertThatThrownBy(() -> NodeProxy.start(options))
          .isInstanceOf(IllegalStateException.class);
    }
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress("127.0.0.1", admin));
      assertThat(again.isBound()).isTrue();
    }
  }

  @Test
  void startsWithBothPortsBound() {
    try (NodeProxy proxy =
        NodeProxy.start(new ProxyOptions(null, "127.0.0.1", 0, 0, "test-node", 1))) {
      assertThat(proxy.adminPort()).isPositive();
      assertThat(proxy.entryPort()).isPositive();
    }
  }
}
