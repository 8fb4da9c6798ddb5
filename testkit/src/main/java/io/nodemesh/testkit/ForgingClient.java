package io.nodemesh.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A caller that claims an identity it does not have: one HTTP/1.1 GET to {@code api.shop.mesh} from
 * a chosen loopback source address, carrying a forged {@code x-nodemesh-peer-identity}, which a
 * proxy must replace with what its tunnel proves.
 */
public final class ForgingClient {
  private ForgingClient() {}

  /**
   * GET {@code path} from {@code from} to {@code host:port} on a connection of its own; all of the
   * answer.
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
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      s.getInputStream().transferTo(out);
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
