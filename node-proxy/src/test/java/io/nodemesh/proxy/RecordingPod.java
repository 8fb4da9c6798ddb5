package io.nodemesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP pod that keeps everything each connection sent until the client's FIN, for tests of the
 * PROXY protocol v2 header a proxy writes first (parsed with Netty's own decoder).
 */
public final class RecordingPod implements AutoCloseable {
  public final ServerSocket server;
  private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();

  public RecordingPod(InetAddress host) throws IOException {
    server = new ServerSocket(0, 50, host);
    Thread.ofVirtual()
        .start(
            () -> {
              while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                  received.add(s.getInputStream().readAllBytes());
                } catch (IOException e) {
                  return;
                }
              }
            });
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The bytes of the next connection that ended. */
  public byte[] next() throws InterruptedException {
    byte[] got = received.poll(30, TimeUnit.SECONDS);
    assertThat(got).as("bytes the pod received").isNotNull();
    return got;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  /** The header Netty's decoder reads first, and the bytes that follow it. */
  public record Parsed(HAProxyMessage header, byte[] rest) {}

  public static Parsed parse(byte[] got) {
    EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
    ch.writeInbound(Unpooled.wrappedBuffer(got));
    HAProxyMessage header = ch.readInbound();
    assertThat(header).as("a PROXY header first").isNotNull();
    ByteBuf rest = Unpooled.buffer();
    for (ByteBuf b; (b = ch.readInbound()) != null; ) {
      rest.writeBytes(b);
      b.release();
    }
    byte[] out = new byte[rest.readableBytes()];
    rest.readBytes(out);
    ch.finishAndReleaseAll();
    return new Parsed(header, out);
  }

  /** What a hostile client sends first: a v1 and a v2 header claiming 10.0.0.1, then a query. */
  public static byte[] forgedHeadersThen(byte[] payload) {
    ByteBuf b = Unpooled.buffer();
    b.writeBytes(
        "PROXY TCP4 10.0.0.1 10.0.0.2 1111 5432\r\n"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    b.writeBytes(
        new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
    b.writeByte(0x21).writeByte(0x11).writeShort(12);
    b.writeBytes(new byte[] {10, 0, 0, 1, 10, 0, 0, 2}).writeShort(1111).writeShort(5432);
    b.writeBytes(payload);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }
}
