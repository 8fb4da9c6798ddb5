package io.nodemesh.proxy.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import java.net.Inet6Address;
import java.net.InetAddress;

/** Header rewriting at the proxy hop, in place on the message that is forwarded. */
public final class ForwardingHeaders {
  private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  private static final AsciiString FORWARDED = AsciiString.cached("forwarded");
  private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

  /**
   * Connection-specific fields a proxy must not forward (RFC 9110 §7.6.1, plus the proxy
   * authentication pair of RFC 9110 §11.7, which is addressed to this hop).
   */
  private static final AsciiString[] HOP_BY_HOP = {
    HttpHeaderNames.CONNECTION,
    HttpHeaderNames.KEEP_ALIVE,
    PROXY_CONNECTION,
    HttpHeaderNames.TE,
    HttpHeaderNames.TRAILER,
    HttpHeaderNames.TRANSFER_ENCODING,
    HttpHeaderNames.UPGRADE,
    HttpHeaderNames.PROXY_AUTHORIZATION,
    HttpHeaderNames.PROXY_AUTHENTICATE
  };

  /**
   * Headers Netty's HTTP/2 to HTTP/1.x translation adds for its own bookkeeping ({@code
   * x-http2-stream-id} and friends); they describe the downstream hop and are not forwarded.
   */
  private static final AsciiString[] TRANSLATION = {
    HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text(),
    HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(),
    HttpConversionUtil.ExtensionHeaderNames.PATH.text(),
    HttpConversionUtil.ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text(),
    HttpConversionUtil.ExtensionHeaderNames.STREAM_PROMISE_ID.text(),
    HttpConversionUtil.ExtensionHeaderNames.STREAM_WEIGHT.text()
  };

  private ForwardingHeaders() {}

  /** Whether the client said it accepts trailers ({@code TE: trailers}, RFC 9110 §10.1.4). */
  public static boolean acceptsTrailers(HttpRequest request) {
    for (String value : request.headers().getAll(HttpHeaderNames.TE)) {
      for (String token : value.split(",")) {
        String t = token.trim();
        int semi = t.indexOf(';');
        if ((semi < 0 ? t : t.substring(0, semi).trim()).equalsIgnoreCase("trailers")) {
          return true;
        }
      }
    }
    return false;
  }

  /** Removes the hop-by-hop fields, including every field named in {@code Connection}. */
  public static void stripHopByHop(HttpHeaders headers) {
    // Most messages name nothing in Connection: no list, no split, no substrings for them.
    if (headers.contains(HttpHeaderNames.CONNECTION)) {
      // getAll returns a copy, so the fields can go while its values are read. A lone token
      // (keep-alive, close) is the value itself: substring and trim return it without a copy.
      for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
        int start = 0;
        while (start <= value.length()) {
          int comma = value.indexOf(',', start);
          int end = comma < 0 ? value.length() : comma;
          String t = value.substring(start, end).trim();
          // keep-alive is among HOP_BY_HOP below anyway.
          if (!t.isEmpty() && !HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(t)) {
            headers.remove(t);
          }
          start = end + 1;
        }
      }
    }
    for (AsciiString h : HOP_BY_HOP) {
      headers.remove(h);
    }
    for (AsciiString h : TRANSLATION) {
      headers.remove(h);
    }
  }

  /**
   * Prepares a request for the upstream hop: hop-by-hop fields removed (chunked framing kept when
   * the body is chunked), HTTP/1.1 with keep-alive, {@code X-Forwarded-For} appended, {@code
   * X-Forwarded-Proto} set to what this hop is (any value the client sent replaced: a backend that
   * trusts it for redirects or cookie flags must not be told "https" by a plain-HTTP client),
   * {@code Forwarded} (RFC 7239) appended. The {@code Host} field is left as the client sent it.
   *
   * @param peer the downstream peer address, or null when unknown
   */
  public static void prepareRequest(HttpRequest request, InetAddress peer) {
    prepareRequest(request, peer == null ? null : Client.of(peer));
  }

  /**
   * The downstream peer as the forwarding headers name it, made once per connection rather than per
   * request (formatting an address is the costly part).
   */
  public static final class Client {
    private final String ip;
    private final String forwardedFor;
    // The RFC 7239 element with the last Host seen: a connection's requests usually name one
    // Host, so the element is built once per connection, not once per request. Event loop only.
    private String lastHost;
    private String lastElement;

    /**
     * @param ip the address without any IPv6 zone
     * @param forwardedFor the start of its RFC 7239 element: {@code for=...;proto=http}
     */
    public Client(String ip, String forwardedFor) {
      this.ip = ip;
      this.forwardedFor = forwardedFor;
    }

    public static Client of(InetAddress peer) {
      String ip = peer.getHostAddress();
      int zone = ip.indexOf('%');
      if (zone >= 0) {
        ip = ip.substring(0, zone);
      }
      return new Client(
          ip, "for=" + forwardedNode(ip, peer instanceof Inet6Address) + ";proto=http");
    }

    public String ip() {
      return ip;
    }

    public String forwardedFor() {
      return forwardedFor;
    }

    /** This client's Forwarded element for a request with {@code host} (null or empty: none). */
    String element(String host) {
      if (host == null || host.isEmpty()) {
        return forwardedFor;
      }
      if (!host.equals(lastHost)) {
        lastElement = forwardedFor + ";host=" + forwardedValue(host);
        lastHost = host;
      }
      return lastElement;
    }
  }

  /**
   * As {@link #prepareRequest(HttpRequest, InetAddress)}, with the peer already formatted.
   *
   * @return whether the request's body is chunked (its framing kept for the next hop)
   */
  public static boolean prepareRequest(HttpRequest request, Client peer) {
    boolean chunked = HttpUtil.isTransferEncodingChunked(request);
    HttpHeaders h = request.headers();
    stripHopByHop(h);
    if (chunked) {
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    if (peer != null) {
      String ip = peer.ip();
      String xff = h.get(X_FORWARDED_FOR);
      h.set(X_FORWARDED_FOR, xff == null || xff.isBlank() ? ip : xff + ", " + ip);
      String element = peer.element(h.get(HttpHeaderNames.HOST));
      String fwd = h.get(FORWARDED);
      h.set(FORWARDED, fwd == null || fwd.isBlank() ? element : fwd + ", " + element);
    }
    // Downstream connections are cleartext (HTTP/1.1 or h2c): the proxy knows no other scheme.
    h.set(X_FORWARDED_PROTO, "http");
    return chunked;
  }

  /**
   * Prepares a response for the downstream hop: hop-by-hop fields removed, framing chosen for the
   * client (a close-delimited upstream body is re-framed as chunked for an HTTP/1.1 client), and
   * {@code Connection} set from the downstream connection's own keep-alive decision.
   *
   * @param keepAlive whether the downstream connection stays open after this response
   * @param clientVersion the protocol version of the client's request
   * @param headRequest whether the request was HEAD (no body follows whatever the headers say)
   * @return whether the downstream connection can stay open after this response
   */
  public static boolean prepareResponse(
      HttpResponse response, boolean keepAlive, HttpVersion clientVersion, boolean headRequest) {
    boolean chunked = HttpUtil.isTransferEncodingChunked(response);
    HttpHeaders h = response.headers();
    stripHopByHop(h);
    boolean keep = keepAlive;
    boolean http11 = clientVersion.equals(HttpVersion.HTTP_1_1);
    if (chunked && http11) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    } else if (chunked) {
      // HTTP/1.0 has no chunked coding: send the body raw and mark its end by closing.
      keep = false;
    } else if (!h.contains(HttpHeaderNames.CONTENT_LENGTH)
        && !headRequest
        && mayHaveBody(response.status())) {
      if (http11) {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      } else {
        // An HTTP/1.0 client learns where a body of unknown length ends only from the close.
        keep = false;
      }
    }
    response.setProtocolVersion(HttpVersion.HTTP_1_1);
    if (!keep) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (!clientVersion.isKeepAliveDefault()) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    return keep;
  }

  static boolean mayHaveBody(HttpResponseStatus status) {
    int code = status.code();
    return code >= 200 && code != 204 && code != 304;
  }

  /**
   * Whether the client asked to keep the connection open (HTTP/1.0 needs an explicit keep-alive).
   */
  public static boolean keepAlive(HttpMessage message) {
    return HttpUtil.isKeepAlive(message);
  }

  /** An RFC 7239 node: IPv6 literals are bracketed and quoted. */
  static String forwardedNode(String ip, boolean ipv6) {
    return ipv6 ? "\"[" + ip + "]\"" : ip;
  }

  /**
   * An RFC 7239 value: a token as is, anything else (e.g. {@code host:port}) as a quoted string.
   */
  static String forwardedValue(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (!isTchar(value.charAt(i))) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      }
    }
    return value;
  }

  private static boolean isTchar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }
}
