package io.nodemesh.testkit;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Pods and callers on loopback addresses of their own (127.0.0.0/8), for tests where the address
 * says which pod a connection comes from or goes to: a tunnel, per-pod access.
 */
public final class Callers {
  private Callers() {}

  /** A port that was free on {@code host} a moment ago. */
  public static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(host, 0));
      return s.getLocalPort();
    }
  }

  /**
   * One {@code GET path} for {@code api.shop.mesh} from {@code from} to {@code host:port}, on a
   * connection of its own that the server closes; it carries a forged {@code
   * x-nodemesh-peer-identity} that the mesh must replace. Answers all the bytes received.
   */
  public static String get(String from, String host, int port, String path) throws IOException {
    try (Socket s = new Socket()) {
      s.setSoTimeout(30_000);
      s.bind(new InetSocketAddress(from, 0));
      s.connect(new InetSocketAddress(host, port));
      s.getOutputStream()
          .write(
              ("GET "
                      + path
                      + " HTTP/1.1\r\nHost: api.shop.mesh\r\nConnection: close\r\n"
                      + "x-nodemesh-peer-identity: forged\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * A started pod on {@code ip} that answers {@code pod saw <target> from <peer address> as <the
   * x-nodemesh-peer-identity it got>}; the caller stops it.
   */
  public static HttpServer identityEcho(String ip) throws IOException {
    HttpServer pod = HttpServer.create(new InetSocketAddress(InetAddress.getByName(ip), 0), 64);
    pod.createContext(
        "/",
        ex -> {
          byte[] body =
              ("pod saw "
                      + ex.getRequestURI()
                      + " from "
                      + ex.getRemoteAddress().getAddress().getHostAddress()
                      + " as "
                      + ex.getRequestHeaders().getFirst("x-nodemesh-peer-identity"))
                  .getBytes(StandardCharsets.UTF_8);
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    pod.start();
    return pod;
  }
}
