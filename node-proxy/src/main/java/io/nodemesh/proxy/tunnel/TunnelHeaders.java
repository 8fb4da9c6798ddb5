package io.nodemesh.proxy.tunnel;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;

/** The header fields the tunnel adds, reads and strips. */
public final class TunnelHeaders {
  /** The pod {@code ip:port} a caller's proxy asks the destination to relay an HTTP request to. */
  public static final AsciiString TARGET = AsciiString.cached("nodemesh-tunnel-target");

  /** The listener ({@code namespace/service:port}) the request came in on at the caller. */
  public static final AsciiString LISTENER = AsciiString.cached("nodemesh-tunnel-listener");

  /**
   * The caller's SPIFFE ID, as the destination proxy verified it from the caller's certificate; set
   * only by the destination proxy, any copy a client sent is removed first.
   */
  public static final AsciiString PEER_IDENTITY = AsciiString.cached("x-nodemesh-peer-identity");

  /**
   * On a CONNECT stream: the TCP client's {@code ip:port} as the caller's proxy accepted it, sent
   * only when the pod's port asked for PROXY protocol v2. The destination believes it only on a
   * CONNECT from an authenticated peer proxy (the only thing that reaches the tunnel port), and
   * removes a copy from any relayed HTTP request.
   */
  public static final AsciiString CLIENT = AsciiString.cached("nodemesh-tunnel-client");

  private TunnelHeaders() {}

  /** Removes the tunnel's own fields and the HTTP/2-to-1 translation's extension fields. */
  static void strip(HttpHeaders headers) {
    headers.remove(TARGET).remove(LISTENER).remove(PEER_IDENTITY).remove(CLIENT);
    for (HttpConversionUtil.ExtensionHeaderNames n :
        HttpConversionUtil.ExtensionHeaderNames.values()) {
      headers.remove(n.text());
    }
  }
}
