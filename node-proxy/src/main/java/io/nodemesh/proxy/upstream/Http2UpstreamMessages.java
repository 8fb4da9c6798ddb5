package io.nodemesh.proxy.upstream;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.util.List;

/**
 * Netty's conversion between HTTP/2 stream frames and HTTP/1.x objects, client side (pseudo-header
 * fields, trailers, 1xx; RFC 9113 §8.3), called directly by {@link Http2UpstreamStream} instead of
 * from a stream's pipeline: an exchange reads and writes the same objects whether its backend
 * speaks HTTP/1.1 or HTTP/2. Sharable; {@link #attach} records the connection's scheme.
 */
@ChannelHandler.Sharable
final class Http2UpstreamMessages extends Http2StreamFrameToHttpObjectCodec {
  static final Http2UpstreamMessages INSTANCE = new Http2UpstreamMessages();

  private Http2UpstreamMessages() {
    super(false);
  }

  /** Records the connection's scheme ({@code :scheme} of the requests it converts). */
  void attach(ChannelHandlerContext connection) throws Exception {
    handlerAdded(connection);
  }

  /** A response frame as HTTP objects; the frame's reference is the caller's. */
  void toHttp(ChannelHandlerContext connection, Http2StreamFrame frame, List<Object> out)
      throws Exception {
    decode(connection, frame, out);
  }

  /** A request part as frames without a stream; the part's reference is the caller's. */
  void toFrames(ChannelHandlerContext connection, HttpObject part, List<Object> out)
      throws Exception {
    encode(connection, part, out);
  }
}
