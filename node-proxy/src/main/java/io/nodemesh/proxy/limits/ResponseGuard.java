package io.nodemesh.proxy.limits;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Sits after the HTTP/1.1 client codec of an upstream connection. It counts every response the
 * codec refused (ambiguous framing, bad headers, bare LF...) and refuses what the codec lets
 * through but a proxy must not forward: a status outside 100..599 (RFC 9110 §15) or a version other
 * than HTTP/1.0 or 1.1. A refused head reaches the exchange as a decoder failure, which answers
 * 502. A body the codec could not frame (bad chunk) becomes an exception, so the exchange aborts
 * and the connection is closed rather than pooled with a decoder that is out of step.
 */
@ChannelHandler.Sharable
final class ResponseGuard extends ChannelInboundHandlerAdapter {
  private final Rejections rejections;

  ResponseGuard(Rejections rejections) {
    this.rejections = rejections;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpResponse r) {
      if (r.decoderResult().isFailure()) {
        rejections.count(RejectReason.BAD_RESPONSE);
      } else {
        String problem = problem(r);
        if (problem != null) {
          rejections.count(RejectReason.BAD_RESPONSE);
          r.setDecoderResult(DecoderResult.failure(new DecoderException(problem)));
        }
      }
    } else if (msg instanceof HttpContent c && c.decoderResult().isFailure()) {
      rejections.count(RejectReason.BAD_RESPONSE);
      Throwable cause = c.decoderResult().cause();
      c.release();
      ctx.fireExceptionCaught(
          new DecoderException("malformed response body: " + cause.getMessage(), cause));
      ctx.close();
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private static String problem(HttpResponse r) {
    int code = r.status().code();
    if (code < 100 || code > 599) {
      return "status code " + code + " out of range 100..599";
    }
    HttpVersion v = r.protocolVersion();
    if (!v.equals(HttpVersion.HTTP_1_1) && !v.equals(HttpVersion.HTTP_1_0)) {
      return "unsupported protocol version " + v.text();
    }
    return null;
  }
}
