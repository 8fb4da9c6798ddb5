package io.nodemesh.proxy.limits;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The HTTP/1.1 request checks that the HTTP/2 codec does not make, on one stream (run by the
 * stream's {@code decode.Http2Stream} on each frame before it becomes an HTTP object; a stream has
 * no pipeline of its own): a cap on header fields (431), header values without control characters
 * (RST_STREAM {@code PROTOCOL_ERROR}: such a request is malformed, RFC 9113 §8.2.1, and a CR or LF
 * in it could split the HTTP/1.1 request the proxy sends upstream), and the body stall limit (slow
 * POST). Each refusal is counted.
 *
 * <p>Header names and the size of the header list are checked by the codec itself ({@link
 * Http2Codec}); the request-head deadline by {@link Http2HeadDeadline}, on the connection. Body
 * stalls are timed only while the proxy has asked for more, as in {@link RequestGuard}.
 */
public final class Http2StreamGuard extends ChannelDuplexHandler {
  private final LimitSettings settings;
  private final Rejections rejections;
  private final StallTimer bodyTimer = new StallTimer();
  private boolean headSeen;
  private boolean inBody;
  private boolean responseStarted;
  private boolean answered;

  Http2StreamGuard(LimitSettings settings, Rejections rejections) {
    this.settings = settings;
    this.rejections = rejections;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (answered) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof Http2HeadersFrame h) {
      bodyTimer.cancel();
      boolean head = !headSeen;
      headSeen = true;
      // Trailers end the body; a request head may too.
      inBody = head && !h.isEndStream();
      if (refused(ctx, h.headers(), head)) {
        return;
      }
    } else if (msg instanceof Http2DataFrame d) {
      bodyTimer.cancel();
      if (d.isEndStream()) {
        inBody = false;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * Checks the header fields of a request head or its trailers; answers and counts a refusal.
   *
   * @param head whether these are the request's head (whose fields are counted)
   */
  private boolean refused(ChannelHandlerContext ctx, Http2Headers headers, boolean head) {
    if (head && !hasRequestPseudoHeaders(headers)) {
      // RFC 9113 §8.3.1: a request without :method, or without :path (:authority for CONNECT), is
      // malformed, a stream error of type PROTOCOL_ERROR; the HTTP/1.1 conversion cannot take it.
      rejections.count(RejectReason.BAD_HEADER);
      answered = true;
      ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR))
          .addListener(f -> ctx.close());
      return true;
    }
    int fields = 0;
    for (Map.Entry<CharSequence, CharSequence> e : headers) {
      if (!isPseudo(e.getKey())) {
        fields++;
      }
      if (!validValue(e.getValue())) {
        rejections.count(RejectReason.BAD_HEADER);
        answered = true;
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR))
            .addListener(f -> ctx.close());
        return true;
      }
    }
    if (head && fields > settings.maxHeaderCount()) {
      rejections.count(RejectReason.TOO_MANY_HEADERS);
      answer(
          ctx,
          HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          "too many header fields: more than " + settings.maxHeaderCount());
      return true;
    }
    return false;
  }

  /**
   * Whether a request head names what a request needs: a method and a path (CONNECT: authority).
   */
  static boolean hasRequestPseudoHeaders(Http2Headers headers) {
    CharSequence method = headers.method();
    if (method == null) {
      return false;
    }
    // Case-insensitive, as Netty's conversion to HTTP/1.1 decides what CONNECT needs.
    return AsciiString.contentEqualsIgnoreCase("CONNECT", method)
        ? headers.authority() != null
        : headers.path() != null;
  }

  private static boolean isPseudo(CharSequence name) {
    return name.length() > 0 && name.charAt(0) == ':';
  }

  /** RFC 9110 §5.5 field-value characters: no control character but horizontal tab. */
  static boolean validValue(CharSequence value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    readRequested(ctx);
    ctx.read();
  }

  /**
   * The proxy asks for more of the stream: from now on, a body that does not come is a stall.
   * (Closing goes through {@code ctx.close()}, never the write future's channel: that is the
   * connection, which other streams share.)
   */
  public void readRequested(ChannelHandlerContext ctx) {
    if (inBody && !answered) {
      bodyTimer.start(ctx.executor(), () -> onBodyTimeout(ctx), settings.bodyReadTimeout());
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (answered) {
      // Answered here already; a late response from the backend must not follow.
      ReferenceCountUtil.release(msg);
      promise.setFailure(new ClosedChannelException());
      return;
    }
    if (msg instanceof Http2HeadersFrame h && !informational(h.headers())) {
      responseStarted = true;
    }
    ctx.write(msg, promise);
  }

  private static boolean informational(Http2Headers headers) {
    CharSequence status = headers.status();
    return status != null && status.length() == 3 && status.charAt(0) == '1';
  }

  private void onBodyTimeout(ChannelHandlerContext ctx) {
    if (!inBody || answered || !ctx.channel().isActive()) {
      return;
    }
    rejections.count(RejectReason.BODY_TIMEOUT);
    String why = "request body stalled for " + settings.bodyReadTimeout().toMillis() + " ms";
    if (responseStarted) {
      // A second response head would be a protocol error; only a reset can tell the client.
      answered = true;
      ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL))
          .addListener(f -> ctx.close());
      return;
    }
    answer(ctx, HttpResponseStatus.REQUEST_TIMEOUT, why);
  }

  /**
   * A complete one-line response on this stream; then, if the client is still sending, RST_STREAM
   * {@code NO_ERROR}, which asks it to stop without failing the response (RFC 9113 §8.1).
   */
  private void answer(ChannelHandlerContext ctx, HttpResponseStatus status, String line) {
    answered = true;
    bodyTimer.cancel();
    byte[] body = (line + "\n").getBytes(StandardCharsets.UTF_8);
    Http2Headers headers =
        new DefaultHttp2Headers()
            .status(status.codeAsText())
            .set("content-type", "text/plain; charset=utf-8")
            .setInt("content-length", body.length);
    ctx.write(new DefaultHttp2HeadersFrame(headers, false));
    ChannelFuture sent =
        ctx.writeAndFlush(
            new DefaultHttp2DataFrame(ctx.alloc().buffer(body.length).writeBytes(body), true));
    if (!inBody) {
      sent.addListener(f -> ctx.close());
      return;
    }
    // Only once the body is out: a reset drops DATA still waiting for flow-control window.
    sent.addListener(
        f ->
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR))
                .addListener(r -> ctx.close()));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    bodyTimer.cancel();
    ctx.fireChannelInactive();
  }
}
