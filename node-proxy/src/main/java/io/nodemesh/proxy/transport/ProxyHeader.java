package io.nodemesh.proxy.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The binary PROXY protocol v2 header (HAProxy, proxy-protocol.txt section 2.2) that a node proxy
 * writes as the first bytes of a relayed TCP connection to a pod whose Service port opted in
 * ({@code nodemesh.io/proxy-protocol}): the app then sees the caller's address and port instead of
 * the proxy's.
 *
 * <p>Built here rather than with Netty's {@code HAProxyMessageEncoder}, which is a pipeline
 * handler: the header must be one buffer written before the relay attaches, whatever pipeline the
 * upstream connection has (direct socket or tunnel destination). Tests parse it with Netty's
 * decoder.
 */
public final class ProxyHeader {
  /** Section 2.2: the 12-byte signature every v2 header starts with. */
  private static final byte[] SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  /** Version 2 (high nibble) and command PROXY (low nibble 1). */
  private static final int V2_PROXY = 0x21;

  /** Version 2, command LOCAL: the receiver keeps the connection's own addresses. */
  private static final int V2_LOCAL = 0x20;

  private static final int TCP4 = 0x11;
  private static final int TCP6 = 0x21;

  /**
   * The TLV type carrying the caller's SPIFFE ID (UTF-8), from the range section 2.2.7 leaves to
   * applications (PP2_TYPE_MIN_CUSTOM 0xE0 .. PP2_TYPE_MAX_CUSTOM 0xEF).
   */
  public static final int TLV_SPIFFE_ID = 0xE0;

  /** Longest SPIFFE ID sent; the SPIFFE spec bounds a URI at 2048 bytes. */
  static final int MAX_SPIFFE_ID = 2048;

  private ProxyHeader() {}

  /**
   * The header for a connection from {@code source} to {@code destination}, with the caller's
   * SPIFFE ID as a TLV when known. When either address is not an IP socket address the header says
   * LOCAL (no addresses), so the app keeps the proxy's address rather than a made-up one.
   */
  public static ByteBuf v2(
      ByteBufAllocator alloc,
      @Nullable SocketAddress source,
      @Nullable SocketAddress destination,
      @Nullable String spiffeId) {
    byte[] id =
        spiffeId == null || spiffeId.isEmpty()
            ? new byte[0]
            : spiffeId.getBytes(StandardCharsets.UTF_8);
    if (id.length > MAX_SPIFFE_ID) {
      id = new byte[0];
    }
    ByteBuf out = alloc.buffer(16 + 36 + 3 + id.length);
    out.writeBytes(SIGNATURE);
    if (!(source instanceof InetSocketAddress src)
        || !(destination instanceof InetSocketAddress dst)
        || src.getAddress() == null
        || dst.getAddress() == null) {
      out.writeByte(V2_LOCAL).writeByte(0).writeShort(0);
      return out;
    }
    boolean v4 =
        src.getAddress() instanceof Inet4Address && dst.getAddress() instanceof Inet4Address;
    byte[] s = raw(src.getAddress(), v4);
    byte[] d = raw(dst.getAddress(), v4);
    int tlv = id.length == 0 ? 0 : 3 + id.length;
    out.writeByte(V2_PROXY).writeByte(v4 ? TCP4 : TCP6);
    out.writeShort(s.length + d.length + 4 + tlv);
    out.writeBytes(s).writeBytes(d).writeShort(src.getPort()).writeShort(dst.getPort());
    if (tlv > 0) {
      out.writeByte(TLV_SPIFFE_ID).writeShort(id.length).writeBytes(id);
    }
    return out;
  }

  /** The address as 4 bytes, or as 16 (an IPv4 address IPv4-mapped) when the pair is mixed. */
  private static byte[] raw(InetAddress a, boolean v4) {
    byte[] b = a.getAddress();
    if (v4 || a instanceof Inet6Address) {
      return b;
    }
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xFF;
    mapped[11] = (byte) 0xFF;
    System.arraycopy(b, 0, mapped, 12, 4);
    return mapped;
  }
}
