package io.nodemesh.proxy.limits;

import java.util.Locale;

/**
 * Why the proxy refused a connection, a request or a backend response. A closed set, so the label
 * {@code reason} of {@code nodemesh_rejected_requests_total} stays bounded whatever clients send.
 */
public enum RejectReason {
  /** Request line longer than the limit (414). */
  REQUEST_LINE_TOO_LONG,
  /** Header section larger than the limit (431). */
  HEADERS_TOO_LARGE,
  /** More header fields than the limit (431). */
  TOO_MANY_HEADERS,
  /**
   * Message framing that two parsers could read differently: Content-Length with Transfer-Encoding,
   * several or invalid Content-Length values, an unknown transfer coding (400).
   */
  AMBIGUOUS_FRAMING,
  /** A chunk size or chunk terminator that does not parse (400). */
  BAD_CHUNK,
  /** A line ended by a bare LF or CR (400). */
  BAD_LINE_ENDING,
  /** A header name or value with characters RFC 9110 §5 does not allow (400). */
  BAD_HEADER,
  /**
   * A request line that does not parse: method, target or version, or an absolute-form target whose
   * authority could not be a Host (400).
   */
  BAD_REQUEST_LINE,
  /** A protocol version other than HTTP/1.0 or HTTP/1.1 (505). */
  UNSUPPORTED_VERSION,
  /**
   * An HTTP/1.1 request without exactly one Host field, or an HTTP/1.0 request with more than one
   * (400, RFC 9112 §3.2).
   */
  BAD_HOST,
  /**
   * A request target the proxy will not canonicalise (400, then close): a control byte, a fragment,
   * a bad escape or {@code %00}, a {@code ..} above the root, a dot segment with a parameter, or an
   * encoded {@code /} or {@code \} on a Service that has not opted in (docs/access-control.md, "The
   * request path").
   */
  BAD_PATH,
  /**
   * A second field of a header that an access rule or a TrafficSplit match of the listener names
   * (400, then close).
   */
  DUPLICATE_HEADER,
  /** The request head did not arrive in time: slowloris (408). */
  HEADER_TIMEOUT,
  /** The request body stalled while the proxy was waiting for it: slow POST (408). */
  BODY_TIMEOUT,
  /** The listener already has its maximum of open connections (503, then close). */
  CONNECTION_LIMIT,
  /** The backend Service already has its maximum of requests in flight (503). */
  UPSTREAM_LIMIT,
  /**
   * An HTTP/2 peer over a rate limit: rapid reset (CVE-2023-44487), SETTINGS or PING floods (GOAWAY
   * ENHANCE_YOUR_CALM).
   */
  HTTP2_ABUSE,
  /** Any other HTTP/2 protocol error: flow-control overflow, bad frames (GOAWAY or RST_STREAM). */
  HTTP2_PROTOCOL_ERROR,
  /**
   * An HTTP/2 stream opened beyond the {@code SETTINGS_MAX_CONCURRENT_STREAMS} the proxy advertised
   * (RST_STREAM REFUSED_STREAM; the connection lives on).
   */
  HTTP2_TOO_MANY_STREAMS,
  /** A WebSocket frame from a client larger than the limit (close 1009). */
  WEBSOCKET_FRAME_TOO_LARGE,
  /** A backend answered with a malformed or ambiguous response (502, or a close). */
  BAD_RESPONSE,
  /** A request for a Host that no meshed Service has, on the entry port (404). */
  UNKNOWN_HOST,
  /** A request on a proxy port whose listener is gone (503): the Service just left the mesh. */
  NO_LISTENER,
  /** Any other request the HTTP decoder refused (400). */
  MALFORMED;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The value of the {@code reason} label. */
  public String label() {
    return label;
  }
}
