package io.nodemesh.proxy.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.util.List;

/**
 * Netty's conversion between HTTP/2 stream frames and HTTP/1.x objects (RFC 9113 §8.3 pseudo-header
 * fields, trailers, 1xx), called directly by a stream without a pipeline of its own instead of from
 * a pipeline. One conversion for both ends of the proxy: a client's stream (decode, {@link
 * #SERVER}) reaches the request path as the same objects an HTTP/1.1 request does, and an exchange
 * reads and writes the same objects whether its backend (upstream, {@link #CLIENT}) speaks HTTP/1.1
 * or HTTP/2. Sharable; {@link #attach} records the connection's scheme.
 */
@ChannelHandler.Sharable
public final class Http2Messages extends Http2StreamFrameToHttpObjectCodec {
  /** Server side: requests in, responses out (a downstream connection). */
  public static final Http2Messages SERVER = new Http2Messages(true);

  /** Client side: requests out, responses in (a connection to a backend). */
  public static final Http2Messages CLIENT = new Http2Messages(false);

  private Http2Messages(boolean server) {
    super(server);
  }

  /** Records the connection's scheme ({@code :scheme} of the requests it converts). */
  public void attach(ChannelHandlerContext connection) throws Exception {
    handlerAdded(connection);
  }

  /**
   * A received frame as HTTP objects; the frame's reference is the caller's.
   *
   * @param connection the context of the connection's stream handler
   */
  public void toHttp(ChannelHandlerContext connection, Http2StreamFrame frame, List<Object> out)
      throws Exception {
    decode(connection, frame, out);
  }

  /** A part to send as frames without a stream; the part's reference is the caller's. */
  public void toFrames(ChannelHandlerContext connection, HttpObject part, List<Object> out)
      throws Exception {
    encode(connection, part, out);
  }
}
