package io.nodemesh.proxy.reliability;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A raw HTTP/2 connection with prior knowledge that writes frames exactly as a test builds them,
 * including the ones no client library would send (floods, resets, overflowing windows).
 */
final class H2Wire implements AutoCloseable {
  static final int DATA = 0x0;
  static final int HEADERS = 0x1;
  static final int RST_STREAM = 0x3;
  static final int SETTINGS = 0x4;
  static final int PING = 0x6;
  static final int GOAWAY = 0x7;
  static final int WINDOW_UPDATE = 0x8;
  static final int CONTINUATION = 0x9;
  static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;
  // Error codes (RFC 9113 §7).
  static final int NO_ERROR = 0x0;
  static final int PROTOCOL_ERROR = 0x1;
  static final int FLOW_CONTROL_ERROR = 0x3;
  static final int REFUSED_STREAM = 0x7;
  static final int CANCEL = 0x8;
  static final int ENHANCE_YOUR_CALM = 0xb;

  /** A frame read from the peer. */
  record Frame(int type, int flags, int stream, byte[] payload) {
    /** The error code of a GOAWAY or RST_STREAM frame. */
    int errorCode() {
      int at = type == GOAWAY ? 4 : 0;
      return ((payload[at] & 0xff) << 24)
          | ((payload[at + 1] & 0xff) << 16)
          | ((payload[at + 2] & 0xff) << 8)
          | (payload[at + 3] & 0xff);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  /** Decodes the peer's header blocks, in order (HPACK state is per connection). */
  private final DefaultHttp2HeadersDecoder hpack = new DefaultHttp2HeadersDecoder(false);

  H2Wire(int port, int receiveBuffer) throws IOException {
    this(port, receiveBuffer, null);
  }

  /**
   * @param upgradeAuthority when set, the connection starts as HTTP/1.1 and switches with an h2c
   *     upgrade of {@code GET /} for this authority (RFC 7540 §3.2): stream 1 is that request
   */
  private H2Wire(int port, int receiveBuffer, String upgradeAuthority) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
    if (upgradeAuthority != null) {
      out.write(
          ("GET / HTTP/1.1\r\nHost: "
                  + upgradeAuthority
                  + "\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                  + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = readHttp1Head();
      if (!head.startsWith("HTTP/1.1 101 ")) {
        throw new IOException("h2c upgrade refused: " + head);
      }
    }
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    frame(SETTINGS, 0, 0, new byte[0]);
    flush();
  }

  /** A connection switched to HTTP/2 by an h2c upgrade of {@code GET /} (stream 1). */
  static H2Wire upgraded(int port, String authority) throws IOException {
    return new H2Wire(port, 0, authority);
  }

  private String readHttp1Head() throws IOException {
    StringBuilder head = new StringBuilder();
    while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
      head.append((char) in.readUnsignedByte());
    }
    return head.toString();
  }

  /** The header fields of a HEADERS frame read from the peer (read every one, in order). */
  Http2Headers headers(Frame f) throws IOException {
    try {
      return hpack.decodeHeaders(f.stream(), Unpooled.wrappedBuffer(f.payload()));
    } catch (Http2Exception e) {
      throw new IOException("undecodable header block", e);
    }
  }

  /**
   * A request header block: static-table {@code :method}, {@code :scheme http}, {@code :path /},
   * the authority, then each name/value pair as a literal field without indexing (RFC 7541 §6.2.2),
   * so a test can send any bytes at all in a field.
   */
  static byte[] request(String method, String authority, String... namesAndValues) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.write(method.equals("POST") ? 0x83 : 0x82);
    b.write(0x86);
    b.write(0x84);
    b.write(0x01); // :authority (static index 1), literal value
    literalString(b, authority);
    b.writeBytes(fields(namesAndValues));
    return b.toByteArray();
  }

  /** A header block of literal fields only (trailers), each without indexing and a new name. */
  static byte[] fields(String... namesAndValues) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.write(0x00);
      literalString(b, namesAndValues[i]);
      literalString(b, namesAndValues[i + 1]);
    }
    return b.toByteArray();
  }

  /** A string literal without Huffman coding: its length as a 7-bit prefix integer, then bytes. */
  private static void literalString(java.io.ByteArrayOutputStream b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
    int n = bytes.length;
    if (n < 127) {
      b.write(n);
    } else {
      b.write(127);
      n -= 127;
      while (n >= 128) {
        b.write((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      b.write(n);
    }
    b.writeBytes(bytes);
  }

  /** Buffers one frame; {@link #flush} sends. */
  H2Wire frame(int type, int flags, int stream, byte[] payload) throws IOException {
    int n = payload.length;
    out.write(
        new byte[] {(byte) (n >>> 16), (byte) (n >>> 8), (byte) n, (byte) type, (byte) flags});
    out.write(int32(stream));
    out.write(payload);
    return this;
  }

  void flush() throws IOException {
    out.flush();
  }

  /** Sends a GET for {@code /} on {@code stream}, with END_STREAM, and any extra header fields. */
  void get(int stream, String authority, String... namesAndValues) throws IOException {
    frame(HEADERS, END_STREAM | END_HEADERS, stream, request("GET", authority, namesAndValues));
    flush();
  }

  /** Sends {@code length} bytes of {@code bytes} from {@code offset} at once, as they are. */
  void raw(byte[] bytes, int offset, int length) throws IOException {
    out.write(bytes, offset, length);
    out.flush();
  }

  /** The next frame if one arrives within {@code millis}, else null (the connection stays). */
  Frame readWithin(int millis) throws IOException {
    int before = socket.getSoTimeout();
    socket.setSoTimeout(millis);
    try {
      return read();
    } catch (SocketTimeoutException e) {
      return null;
    } finally {
      socket.setSoTimeout(before);
    }
  }

  /** A GET for {@code /} on {@code authority}, HPACK-encoded with the static table only. */
  static byte[] getHeaders(String authority) {
    byte[] a = authority.getBytes(StandardCharsets.US_ASCII);
    byte[] block = new byte[4 + 1 + a.length];
    block[0] = (byte) 0x82; // :method GET
    block[1] = (byte) 0x86; // :scheme http
    block[2] = (byte) 0x84; // :path /
    block[3] = 0x01; // :authority, literal without indexing (RFC 7541 §6.2.2)
    block[4] = (byte) a.length;
    System.arraycopy(a, 0, block, 5, a.length);
    return block;
  }

  static byte[] int32(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  /** The next frame, or null at end of stream or reset. */
  Frame read() throws IOException {
    try {
      int len = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int stream = in.readInt() & 0x7fffffff;
      byte[] payload = new byte[len];
      in.readFully(payload);
      return new Frame(type, flags, stream, payload);
    } catch (EOFException | SocketException e) {
      return null;
    }
  }

  /** Reads until a frame of {@code type} arrives (returned) or the connection ends (null). */
  Frame readUntil(int type) throws IOException {
    Frame f;
    while ((f = read()) != null) {
      if (f.type() == type) {
        return f;
      }
    }
    return null;
  }

  /** Whether the peer has closed: drains frames until EOF, false if it stays open that long. */
  boolean closedWithin(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      while (read() != null) {
        // Whatever the proxy still sends before it closes.
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
