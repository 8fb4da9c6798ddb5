package io.nodemesh.cli;

import com.sun.net.httpserver.HttpServer;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.Executors;

/** The "shop" namespace of the tap and top tests: loopback backends and their listeners. */
final class ShopBackends {
  private ShopBackends() {}

  /** Service {@code shop/name} on port 80, served by the proxy on {@code proxyPort}. */
  static ListenerConfig listener(String name, int proxyPort, HttpServer backend) {
    return new ListenerConfig(
        "shop",
        name,
        80,
        Protocol.HTTP,
        proxyPort,
        RouteConfig.direct(
            new BackendConfig(
                name,
                1,
                List.of(EndpointConfig.ready("127.0.0.1", backend.getAddress().getPort())))));
  }

  /** A backend that answers every request with {@code status} and no body. */
  static HttpServer backend(int status) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    s.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(status, -1);
          ex.close();
        });
    s.start();
    return s;
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
