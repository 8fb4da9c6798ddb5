package io.nodemesh.proxy.tunnel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A pod's TCP client for the test bed: {@code TcpCall SOURCE_IP HOST PORT MESSAGE} connects from
 * {@code SOURCE_IP}, sends {@code MESSAGE}, then its FIN, and prints everything it reads up to EOF.
 */
public final class TcpCall {
  private TcpCall() {}

  public static void main(String[] args) throws IOException {
    try (Socket s = new Socket()) {
      s.setSoTimeout(30_000);
      s.bind(new InetSocketAddress(args[0], 0));
      s.connect(new InetSocketAddress(args[1], Integer.parseInt(args[2])), 30_000);
      s.getOutputStream().write(args[3].getBytes(StandardCharsets.UTF_8));
      s.shutdownOutput();
      System.out.print(
          "echo " + new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
