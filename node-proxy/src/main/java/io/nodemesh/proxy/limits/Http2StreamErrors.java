package io.nodemesh.proxy.limits;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2FrameStreamException;

/**
 * Resets a stream with the error code of its stream error (RFC 9113 §5.4.2), right after the frame
 * codec. For a stream that is already open (bad trailers, say) the codec leaves the reset to the
 * pipeline, and the stream multiplexer would only close the stream's channel, which resets it with
 * {@code CANCEL}: the peer would not learn that its request was malformed.
 */
@ChannelHandler.Sharable
final class Http2StreamErrors extends ChannelInboundHandlerAdapter {
  static final Http2StreamErrors INSTANCE = new Http2StreamErrors();

  private Http2StreamErrors() {}

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof Http2FrameStreamException e) {
      ctx.writeAndFlush(new DefaultHttp2ResetFrame(e.error()).stream(e.stream()));
    }
    ctx.fireExceptionCaught(cause);
  }
}
