package io.nodemesh.testkit;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A UDP backend that replies to each datagram with {@code "<name>:" + payload}. */
public final class UdpEchoBackend extends Fixture {
  public final String name;
  public final DatagramSocket socket;
  public final AtomicInteger received = new AtomicInteger();

  /** The source port of each datagram received: one per upstream socket of the proxy. */
  public final List<Integer> sourcePorts = new CopyOnWriteArrayList<>();

  /** Starts one for a {@code @RegisterExtension} field. */
  public static UdpEchoBackend start(String name) {
    return bound(() -> new UdpEchoBackend(name));
  }

  public UdpEchoBackend(String name) throws IOException {
    this.name = name;
    this.socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("udp-echo-" + name).start(this::serve);
  }

  public int port() {
    return socket.getLocalPort();
  }

  public BackendConfig backend(String service, int weight) {
    return new BackendConfig(service, weight, List.of(EndpointConfig.ready("127.0.0.1", port())));
  }

  private void serve() {
    byte[] buf = new byte[70_000];
    byte[] prefix = (name + ":").getBytes(StandardCharsets.UTF_8);
    while (!socket.isClosed()) {
      try {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.receive(p);
        received.incrementAndGet();
        sourcePorts.add(p.getPort());
        byte[] out = new byte[prefix.length + p.getLength()];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(p.getData(), p.getOffset(), out, prefix.length, p.getLength());
        socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
      } catch (IOException e) {
        return;
      }
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
