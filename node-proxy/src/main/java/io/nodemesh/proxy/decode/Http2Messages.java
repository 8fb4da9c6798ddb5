package io.nodemesh.proxy.decode;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.util.List;

/**
 * Netty's conversion between HTTP/2 stream frames and HTTP/1.x objects (RFC 9113 §8.3 pseudo-header
 * fields, trailers, 1xx), called directly by {@link Http2Stream} instead of from a pipeline: one
 * conversion for both protocols, so an HTTP/2 stream reaches {@link DownstreamHandler} as the same
 * objects an HTTP/1.1 request does. Sharable; {@link #attach} records the connection's scheme.
 */
@ChannelHandler.Sharable
final class Http2Messages extends Http2StreamFrameToHttpObjectCodec {
  static final Http2Messages INSTANCE = new Http2Messages();

  private Http2Messages() {
    super(true);
  }

  /** Records the connection's scheme ({@code :scheme} of the requests it converts). */
  void attach(ChannelHandlerContext connection) throws Exception {
    handlerAdded(connection);
  }

  /**
   * A request frame as HTTP objects; the frame's reference is the caller's.
   *
   * @param connection the context of the connection's stream handler
   */
  void toHttp(ChannelHandlerContext connection, Http2StreamFrame frame, List<Object> out)
      throws Exception {
    decode(connection, frame, out);
  }

  /** A response part as frames without a stream; the part's reference is the caller's. */
  void toFrames(ChannelHandlerContext connection, HttpObject part, List<Object> out)
      throws Exception {
    encode(connection, part, out);
  }
}
