package io.nodemesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.udp.UdpSettings;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.Wire;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Test configs. */
final class Configs {
  private Configs() {}

  static int freePort() {
    return io.nodemesh.testkit.Loopback.freePort();
  }

  static ListenerConfig http(String ns, String svc, int port, int proxyPort, RouteConfig route) {
    return new ListenerConfig(ns, svc, port, Protocol.HTTP, proxyPort, route);
  }

  static MeshConfig config(long version, ListenerConfig... listeners) {
    return new MeshConfig(version, "mesh", List.of(listeners));
  }

  static RouteConfig split(BackendConfig root, BackendConfig... split) {
    return new RouteConfig(root, List.of(split), List.of(), "default/split");
  }

  /**
   * Applies version 1: {@code shop/web} to {@code web} on a free port of {@code proxy}; the port.
   */
  static int shopWebTo(NodeProxy proxy, io.nodemesh.testkit.HttpBackend web) {
    int port = freePort();
    proxy.apply(
        config(
            1,
            io.nodemesh.testkit.MeshConfigs.Listener.SHOP_WEB.on(
                port, RouteConfig.direct(web.backend("web", 1)))));
    return port;
  }

  /** A client connection to {@code 127.0.0.1:port}: 5 s to connect, reads time out after 10 s. */
  static java.net.Socket connect(int port) throws java.io.IOException {
    java.net.Socket s = new java.net.Socket();
    s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
    s.setSoTimeout(10_000);
    return s;
  }

  /**
   * Sends a POST of five bytes to {@code path} with {@code Expect: 100-continue} (RFC 9110 section
   * 10.1.1) on {@code c}: a 100 comes, {@code atInterim} runs, the body follows, {@code backend}
   * answers 200 having read five bytes.
   */
  static void expectContinue(Wire c, HttpBackend backend, String path, Runnable atInterim)
      throws IOException {
    Wire.Answer interim =
        c.exchange(
            "POST "
                + path
                + " HTTP/1.1\r\nHost: web.default.mesh\r\nContent-Length: 5\r\n"
                + "Expect: 100-continue\r\n\r\n");
    assertThat(interim.status()).isEqualTo(100);
    atInterim.run();
    Wire.Answer r = c.exchange("hello");
    assertThat(r.status()).isEqualTo(200);
    assertThat(backend.lastBodyBytes).isEqualTo(5);
  }

  /**
   * The split {@code name}: traffic for {@code root} goes to {@code split} by weight, unmatched.
   */
  static RouteConfig splitNamed(String name, BackendConfig root, BackendConfig... split) {
    return new RouteConfig(root, List.of(split), List.of(), name);
  }

  /** A backend whose one endpoint (a free loopback port) is not ready: a crash-looping pod. */
  static BackendConfig notReady(String name, int weight) {
    return new BackendConfig(
        name,
        weight,
        List.of(
            new io.nodemesh.config.EndpointConfig(
                "127.0.0.1", freePort(), null, false, false, false)));
  }

  static ProxyOptions local() {
    return new ProxyOptions(null, "127.0.0.1", 0, -1, "test-node", 2);
  }

  /** A local proxy whose UDP sessions idle out after 200 ms, so tests see them end. */
  static NodeProxy udpIdleProxy() {
    return NodeProxy.start(
        local(),
        HttpProxySettings.defaults(),
        UdpSettings.defaults().withIdleTimeout(Duration.ofMillis(200)),
        NodeProxy.POLL_WAIT);
  }
}
