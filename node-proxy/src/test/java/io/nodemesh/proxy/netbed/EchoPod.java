package io.nodemesh.proxy.netbed;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A pod's server for the test bed, run as its own process: {@code EchoPod http IP PORT NAME}
 * answers every request with its name, the caller's address, the method, the path and the request
 * headers, one per line; {@code EchoPod tcp IP PORT} echoes bytes. Prints {@code READY} when bound.
 */
public final class EchoPod {
  private EchoPod() {}

  public static void main(String[] args) throws IOException {
    InetSocketAddress at =
        new InetSocketAddress(InetAddress.getByName(args[1]), Integer.parseInt(args[2]));
    if (args[0].equals("tcp")) {
      tcp(at);
      return;
    }
    String name = args[3];
    HttpServer server = HttpServer.create(at, 128);
    server.createContext(
        "/",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
          }
          StringBuilder b = new StringBuilder();
          b.append("pod ").append(name).append('\n');
          b.append("peer ")
              .append(exchange.getRemoteAddress().getAddress().getHostAddress())
              .append('\n');
          b.append(exchange.getRequestMethod())
              .append(' ')
              .append(exchange.getRequestURI())
              .append('\n');
          Map<String, List<String>> sorted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
          sorted.putAll(exchange.getRequestHeaders());
          sorted.forEach(
              (k, v) ->
                  v.forEach(
                      x ->
                          b.append(k.toLowerCase(java.util.Locale.ROOT))
                              .append(": ")
                              .append(x)
                              .append('\n')));
          byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    server.start();
    System.out.println("READY");
  }

  private static void tcp(InetSocketAddress at) throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(at, 128);
    System.out.println("READY");
    while (true) {
      Socket c = s.accept();
      Thread.ofVirtual()
          .start(
              () -> {
                try (c) {
                  c.getInputStream().transferTo(c.getOutputStream());
                } catch (IOException e) {
                  // The peer went away.
                }
              });
    }
  }
}
