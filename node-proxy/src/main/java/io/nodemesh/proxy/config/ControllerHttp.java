package io.nodemesh.proxy.config;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The proxy's HTTP/1.1 client of the controller (config long polls, traffic reports): one blocking
 * connection, kept open between exchanges, used from one virtual thread at a time. It replaces the
 * JDK's {@code java.net.http} client, which loaded about 220 classes and started a selector thread
 * per client for two requests every few seconds; this one is a socket, a buffered stream and the
 * message framing of RFC 9112. {@link #close} from another thread aborts an exchange in progress.
 *
 * <p>For {@code https} the socket is TLS from {@code tls} (or the JDK's default context), with the
 * controller's host name checked against its certificate (RFC 9110 section 4.3.4, the JDK's "HTTPS"
 * endpoint identification) and sent as SNI. For {@code http} no TLS class is touched.
 */
public final class ControllerHttp implements AutoCloseable {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  // A status line or header line longer than this, or a header section larger than the second
  // bound, is not from a controller (its heads are a few hundred bytes).
  private static final int MAX_LINE = 8 * 1024;
  private static final int MAX_HEAD = 64 * 1024;

  private final boolean https;
  private final String host;
  private final int port;
  private final String hostHeader;
  private final SSLContext tls;
  private final Object lock = new Object();
  private Socket socket;
  private InputStream in;
  private boolean closed;

  /**
   * A client of the controller at {@code controller} (its base URL; only scheme, host and port are
   * used). {@code tls} is the trust for an {@code https} controller (see {@link
   * ControllerTrust#pinned}); null is the JDK's default context.
   */
  public ControllerHttp(URI controller, SSLContext tls) {
    String scheme = Objects.requireNonNull(controller, "controller").getScheme();
    if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException(
          "controller URL '" + controller + "' is not http:// or https://");
    }
    if (controller.getHost() == null) {
      throw new IllegalArgumentException("controller URL '" + controller + "' names no host");
    }
    this.https = "https".equalsIgnoreCase(scheme);
    String h = controller.getHost();
    // URI keeps the brackets of an IPv6 literal: right for Host (RFC 9112 section 3.2), not for
    // a socket address.
    this.host = h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    this.port = controller.getPort() >= 0 ? controller.getPort() : https ? 443 : 80;
    this.hostHeader = controller.getPort() >= 0 ? h + ":" + controller.getPort() : h;
    this.tls = tls;
  }

  /**
   * Sends one request and returns the response once its head has arrived; the caller reads the body
   * (framed by Content-Length or chunked coding) and closes the response, which keeps the
   * connection for the next exchange when the body was read to its end.
   *
   * @param target the path and query
   * @param headers extra request fields (Host, Content-Length and Connection are this class's)
   * @param body the request content, or null for none
   * @param timeout how long any one read may block, the response head included
   */
  public Response exchange(
      String method, String target, Map<String, String> headers, byte[] body, Duration timeout)
      throws IOException {
    byte[] head = head(method, target, headers, body);
    boolean reused;
    synchronized (lock) {
      if (closed) {
        throw new IOException("client closed");
      }
      reused = socket != null;
    }
    try {
      return send(head, body, timeout);
    } catch (IOException e) {
      // A kept connection the controller closed while idle fails before any byte of an answer;
      // a GET is safe to send again on a fresh one (RFC 9110 section 9.2.2).
      if (!reused || !"GET".equals(method) || !(e instanceof StaleConnection)) {
        disconnect();
        throw e;
      }
      disconnect();
      return send(head, body, timeout);
    }
  }

  private Response send(byte[] head, byte[] body, Duration timeout) throws IOException {
    Socket s = connected();
    s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
    InputStream input;
    synchronized (lock) {
      input = in;
    }
    try {
      OutputStream out = s.getOutputStream();
      out.write(head);
      if (body != null) {
        out.write(body);
      }
      out.flush();
    } catch (IOException e) {
      throw new StaleConnection(e);
    }
    int first = input.read();
    if (first < 0) {
      throw new StaleConnection(new EOFException("connection closed before a response"));
    }
    return readResponse(first, input);
  }

  private Response readResponse(int first, InputStream input) throws IOException {
    int[] budget = {MAX_HEAD};
    String statusLine = line(input, first, budget);
    int status = status(statusLine);
    Map<String, String> fields = fields(input, budget);
    // 1xx answers are interim (RFC 9110 section 15.2); this client sends no Expect, but skips them.
    while (status >= 100 && status < 200) {
      statusLine = line(input, input.read(), budget);
      status = status(statusLine);
      fields = fields(input, budget);
    }
    boolean keep =
        statusLine.startsWith("HTTP/1.1")
            && !"close".equalsIgnoreCase(fields.getOrDefault("connection", "").trim());
    InputStream content;
    String te = fields.get("transfer-encoding");
    String cl = fields.get("content-length");
    if (status == 204 || status == 304) {
      content = new Fixed(input, 0);
    } else if (te != null) {
      if (!te.trim().equalsIgnoreCase("chunked")) {
        throw new ProtocolException("unsupported Transfer-Encoding '" + te + "'");
      }
      content = new Chunked(input);
    } else if (cl != null) {
      content = new Fixed(input, contentLength(cl));
    } else {
      // Delimited by the close of the connection (RFC 9112 section 6.3, rule 8).
      content = input;
      keep = false;
    }
    return new Response(status, fields, content, keep);
  }

  private static int status(String line) throws ProtocolException {
    // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 section 4)
    if (line.length() < 12
        || !line.startsWith("HTTP/1.")
        || line.charAt(8) != ' '
        || (line.length() > 12 && line.charAt(12) != ' ')) {
      throw new ProtocolException("malformed status line from the controller");
    }
    int code = 0;
    for (int i = 9; i < 12; i++) {
      char c = line.charAt(i);
      if (c < '0' || c > '9') {
        throw new ProtocolException("malformed status line from the controller");
      }
      code = code * 10 + (c - '0');
    }
    return code;
  }

  private static long contentLength(String value) throws ProtocolException {
    String v = value.trim();
    if (v.isEmpty() || v.length() > 18) {
      throw new ProtocolException("bad Content-Length from the controller");
    }
    long n = 0;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        throw new ProtocolException("bad Content-Length from the controller");
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /** The header fields up to the empty line, names lower-cased, repeated ones joined by ", ". */
  private static Map<String, String> fields(InputStream input, int[] budget) throws IOException {
    Map<String, String> fields = new LinkedHashMap<>();
    while (true) {
      String l = line(input, input.read(), budget);
      if (l.isEmpty()) {
        return fields;
      }
      int colon = l.indexOf(':');
      if (colon <= 0) {
        throw new ProtocolException("malformed header field from the controller");
      }
      String name = l.substring(0, colon).toLowerCase(Locale.ROOT);
      String value = l.substring(colon + 1).strip();
      fields.merge(name, value, (a, b) -> a + ", " + b);
    }
  }

  /**
   * One line without its CRLF (a bare LF is accepted, RFC 9112 section 2.2), starting with the byte
   * {@code first} already read; bounded by {@link #MAX_LINE} and the head's budget.
   */
  private static String line(InputStream input, int first, int[] budget) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
    int b = first;
    while (true) {
      if (b < 0) {
        throw new EOFException("connection closed in a response head");
      }
      if (--budget[0] < 0 || buf.size() >= MAX_LINE) {
        throw new ProtocolException("response head from the controller is too large");
      }
      if (b == '\n') {
        break;
      }
      buf.write(b);
      b = input.read();
    }
    byte[] bytes = buf.toByteArray();
    int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
  }

  private byte[] head(String method, String target, Map<String, String> headers, byte[] body) {
    StringBuilder h = new StringBuilder(256);
    h.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    h.append("Host: ").append(hostHeader).append("\r\n");
    for (Map.Entry<String, String> e : headers.entrySet()) {
      String v = e.getValue();
      // A token from a file must not end the head early or add a field (RFC 9110 section 5.5).
      if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("header " + e.getKey() + " holds a line break");
      }
      h.append(e.getKey()).append(": ").append(v).append("\r\n");
    }
    if (body != null) {
      h.append("Content-Length: ").append(body.length).append("\r\n");
    }
    h.append("\r\n");
    return h.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private Socket connected() throws IOException {
    synchronized (lock) {
      if (socket != null) {
        return socket;
      }
    }
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
      if (https) {
        s = secured(s);
      }
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    synchronized (lock) {
      if (closed) {
        s.close();
        throw new IOException("client closed");
      }
      socket = s;
      in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
      return s;
    }
  }

  private Socket secured(Socket plain) throws IOException {
    SSLContext context;
    try {
      context = tls != null ? tls : SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new IOException("no TLS context: " + e.getMessage(), e);
    }
    // With a host name this also sends it as SNI (RFC 6066 section 3).
    SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
    SSLParameters p = s.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS");
    s.setSSLParameters(p);
    s.setSoTimeout((int) CONNECT_TIMEOUT.toMillis() * 5);
    s.startHandshake();
    return s;
  }

  private void disconnect() {
    Socket s;
    synchronized (lock) {
      s = socket;
      socket = null;
      in = null;
    }
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing: nothing left to do with it
      }
    }
  }

  /** Closes the connection; an exchange in progress on another thread fails. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
    disconnect();
  }

  /** An exchange that failed before any byte of an answer, on a connection that may be stale. */
  private static final class StaleConnection extends IOException {
    StaleConnection(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /** One response: status, header fields (names lower-cased), and its body as a stream. */
  public final class Response implements AutoCloseable {
    private final int status;
    private final Map<String, String> fields;
    private final InputStream body;
    private final boolean keep;

    private Response(int status, Map<String, String> fields, InputStream body, boolean keep) {
      this.status = status;
      this.fields = fields;
      this.body = body;
      this.keep = keep;
    }

    public int status() {
      return status;
    }

    /** The field's value (repeated fields joined by ", "), or null. */
    public String header(String name) {
      return fields.get(name.toLowerCase(Locale.ROOT));
    }

    /** The content, decoded from chunked coding; its end is the end of the message. */
    public InputStream body() {
      return body;
    }

    /**
     * Ends the exchange: the connection stays for the next one if the body was read to its end and
     * the controller did not ask to close it; otherwise it is closed.
     */
    @Override
    public void close() {
      boolean done =
          body instanceof Fixed f ? f.left == 0 : body instanceof Chunked c ? c.done : !keep;
      if (!keep || !done) {
        disconnect();
      }
    }
  }

  /** A message body: its single-byte read is its bulk read of one byte. */
  private abstract static class Body extends InputStream {
    @Override
    public final int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }
  }

  /** A body of Content-Length bytes. */
  private static final class Fixed extends Body {
    private final InputStream in;
    private long left;

    Fixed(InputStream in, long length) {
      this.in = in;
      this.left = length;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left == 0) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("connection closed " + left + " bytes before the end of a body");
      }
      left -= n;
      return n;
    }
  }

  /** A body in chunked transfer coding (RFC 9112 section 7.1); trailer fields are skipped. */
  private static final class Chunked extends Body {
    private final InputStream in;
    private long left;
    private boolean done;

    Chunked(InputStream in) {
      this.in = in;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      if (left == 0) {
        left = size();
        if (left == 0) {
          // last-chunk, then the trailer section up to its empty line
          fields(in, new int[] {MAX_HEAD});
          done = true;
          return -1;
        }
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("connection closed inside a chunk");
      }
      left -= n;
      if (left == 0) {
        String crlf = line(in, in.read(), new int[] {2});
        if (!crlf.isEmpty()) {
          throw new ProtocolException("chunk not followed by CRLF");
        }
      }
      return n;
    }

    private long size() throws IOException {
      String l = line(in, in.read(), new int[] {MAX_LINE});
      int semi = l.indexOf(';');
      String hex = (semi >= 0 ? l.substring(0, semi) : l).strip();
      if (hex.isEmpty() || hex.length() > 15) {
        throw new ProtocolException("bad chunk size from the controller");
      }
      long n = 0;
      for (int i = 0; i < hex.length(); i++) {
        int d = Character.digit(hex.charAt(i), 16);
        if (d < 0) {
          throw new ProtocolException("bad chunk size from the controller");
        }
        n = n * 16 + d;
      }
      return n;
    }
  }
}
