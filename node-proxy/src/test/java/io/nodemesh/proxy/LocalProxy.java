package io.nodemesh.proxy;

import io.nodemesh.testkit.Fixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A node proxy on loopback held in a {@code @RegisterExtension} field, so a test class writes no
 * start/stop pair. It stays in this module because it needs {@link NodeProxy}, which the test kit
 * may not depend on.
 */
final class LocalProxy extends Fixture {
  final NodeProxy proxy;

  private LocalProxy(ProxyOptions options) {
    proxy = NodeProxy.start(options);
  }

  /** A proxy with {@link Configs#local()}: no admin port. */
  static LocalProxy start() {
    return new LocalProxy(Configs.local());
  }

  /** A proxy with an admin port (for {@code /metrics}), named {@code node}. */
  static LocalProxy withAdmin(String node) {
    return new LocalProxy(new ProxyOptions(null, "127.0.0.1", 0, 0, node, 2));
  }

  /** A client connection from {@code from} (a loopback address) to a proxy port. */
  static Socket connect(String from, int port) {
    try {
      Socket s = new Socket();
      s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout(20_000);
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    proxy.close();
  }
}
