package io.nodemesh.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A keep-alive HTTP/1.1 client on one socket, so tests know which connection carried what. */
final class RawClient implements AutoCloseable {
  record Response(int status, Map<String, String> headers, String body) {}

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawClient(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    socket.setSoTimeout(20_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  Response get(String target, String host) throws IOException {
    return send("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
  }

  Response send(String rawRequest) throws IOException {
    out.write(rawRequest.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return read();
  }

  Response read() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before the response");
    }
    Map<String, String> headers = new HashMap<>();
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
        // trailers
      }
    } else if (headers.containsKey("content-length")) {
      body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
    }
    return new Response(
        Integer.parseInt(status.split(" ")[1]), headers, body.toString(StandardCharsets.UTF_8));
  }

  /** Whether the server closed the connection (reads EOF within the socket timeout). */
  boolean closedByPeer() throws IOException {
    return in.read() < 0;
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        int n = sb.length();
        return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
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
