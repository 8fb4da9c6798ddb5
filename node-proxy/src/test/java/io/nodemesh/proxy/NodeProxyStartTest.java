package io.nodemesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Start-up runs the admin server concurrently with the rest: a failure on either side must still
 * end in one clear exception and leave no port bound.
 */
class NodeProxyStartTest {

  @Test
  void adminPortInUseFailsTheStartAndReleasesTheEntryPort() throws Exception {
    int entry = Configs.freePort();
    assertStartFailsThenPortIsFree(taken -> options(taken, entry), entry);
  }

  @Test
  void entryPortInUseFailsTheStartAndStopsTheAdminServer() throws Exception {
    int admin = Configs.freePort();
    assertStartFailsThenPortIsFree(taken -> options(admin, taken), admin);
  }

  @Test
  void aProxyThatCannotBeBuiltStopsTheAdminServerStartedBesideIt() throws Exception {
    int admin = Configs.freePort();
    String log = "/nonexistent-dir/access.log";
    ProxyOptions options =
        new ProxyOptions(null, "127.0.0.1", admin, -1, "test-node", 1).withAccessLog(log);

    assertThatThrownBy(() -> NodeProxy.start(options))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(log);
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress("127.0.0.1", admin));
      assertThat(again.isBound()).isTrue();
    }
  }

  private static ProxyOptions options(int admin, int entry) {
    return new ProxyOptions(null, "127.0.0.1", admin, entry, "test-node", 1);
  }

  /** Starts with one port taken by another socket: the start fails and frees {@code port}. */
  private static void assertStartFailsThenPortIsFree(IntFunction<ProxyOptions> withTaken, int port)
      throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      ProxyOptions options = withTaken.apply(taken.getLocalPort());
      assertThatThrownBy(() -> NodeProxy.start(options)).isInstanceOf(IllegalStateException.class);
    }
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress("127.0.0.1", port));
      assertThat(again.isBound()).isTrue();
    }
  }

  @Test
  void startsWithBothPortsBound() {
    try (NodeProxy proxy = NodeProxy.start(options(0, 0))) {
      assertThat(proxy.adminPort()).isPositive();
      assertThat(proxy.entryPort()).isPositive();
    }
  }
}
