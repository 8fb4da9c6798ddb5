package io.nodemesh.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One raw TCP connection that writes exactly the bytes a test gives it and reads HTTP/1.1 responses
 * on the same socket (keep-alive), so a test knows which connection carried what and sees what the
 * server really sent. By default a bare LF in a response is an error; {@link #lenient} accepts it.
 */
public final class Wire implements AutoCloseable {
  /**
   * One response.
   *
   * @param statusLine e.g. {@code HTTP/1.1 400 Bad Request}
   * @param headers lower-case names, in the order received
   */
  public record Answer(String statusLine, Map<String, String> headers, String body) {
    public int status() {
      return Integer.parseInt(statusLine.split(" ")[1]);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private boolean lenient;

  public Wire(String host, int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), 2000);
    socket.setSoTimeout(20_000);
    socket.setTcpNoDelay(true);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  public Wire(int port) throws IOException {
    this("127.0.0.1", port);
  }

  /** Accepts a bare LF as a line end (RFC 9112 section 2.2 lets a recipient do so). */
  public Wire lenient() {
    lenient = true;
    return this;
  }

  public Wire send(String raw) throws IOException {
    return send(raw.getBytes(StandardCharsets.ISO_8859_1));
  }

  public Wire send(byte[] raw) throws IOException {
    out.write(raw);
    out.flush();
    return this;
  }

  /** Sends and reads one response. */
  public Answer exchange(String raw) throws IOException {
    return send(raw).read();
  }

  /** {@code GET target} with only a {@code Host} field, and its response. */
  public Answer get(String target, String host) throws IOException {
    return exchange("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
  }

  public Answer read() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String l;
    while ((l = line()) != null && !l.isEmpty()) {
      int c = l.indexOf(':');
      headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      int size;
      while ((size = Integer.parseInt(line().trim(), 16)) > 0) {
        body.write(in.readNBytes(size));
        line();
      }
      while ((l = line()) != null && !l.isEmpty()) {
        // trailer fields are not kept
      }
    } else if (headers.containsKey("content-length")) {
      body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
    }
    return new Answer(status, headers, body.toString(StandardCharsets.UTF_8));
  }

  /** Whether the server closed the connection (EOF within the socket timeout of 20 s). */
  public boolean closedByPeer() throws IOException {
    return in.read() < 0;
  }

  /** Whether the peer closed (EOF or reset) within {@code millis}; false when it stays open. */
  public boolean closedWithin(int millis) throws IOException {
    int old = socket.getSoTimeout();
    socket.setSoTimeout(millis);
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    } finally {
      socket.setSoTimeout(old);
    }
  }

  /** Everything the peer sends until it closes (for responses the test must see byte for byte). */
  public String drain() throws IOException {
    try {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (SocketException e) {
      return "";
    }
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        int n = sb.length();
        boolean crlf = n > 0 && sb.charAt(n - 1) == '\r';
        if (!crlf && !lenient) {
          throw new IOException("bare LF from the server after: " + sb);
        }
        return crlf ? sb.substring(0, n - 1) : sb.toString();
      }
      sb.append((char) b);
    }
    return sb.isEmpty() ? null : sb.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
