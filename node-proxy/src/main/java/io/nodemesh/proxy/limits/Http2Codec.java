package io.nodemesh.proxy.limits;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.Locale;

/**
 * The frame codec of a downstream HTTP/2 connection, which counts the stream errors it answers with
 * RST_STREAM (a header list over {@code SETTINGS_MAX_HEADER_LIST_SIZE}, an invalid header name, a
 * bad frame on one stream). Connection errors are counted where their GOAWAY is sent ({@link
 * Limits#installHttp2Connection}). Netty answers a stream error on a stream it has not created yet
 * (the usual case for a bad header block) without telling the pipeline, so counting needs this hook
 * into the codec itself.
 */
final class Http2Codec extends Http2FrameCodec {
  private final Rejections rejections;

  private Http2Codec(
      Http2ConnectionEncoder encoder,
      Http2ConnectionDecoder decoder,
      Http2Settings initialSettings,
      boolean decoupleCloseAndGoAway,
      boolean flushPreface,
      Rejections rejections) {
    super(encoder, decoder, initialSettings, decoupleCloseAndGoAway, flushPreface);
    this.rejections = rejections;
  }

  @Override
  public void onError(ChannelHandlerContext ctx, boolean outbound, Throwable cause) {
    if (!outbound
        && Http2CodecUtil.getEmbeddedHttp2Exception(cause)
            instanceof Http2Exception.StreamException e) {
      RejectReason reason = reasonOf(e);
      if (reason != null) {
        rejections.count(reason);
      }
    }
    super.onError(ctx, outbound, cause);
  }

  /**
   * The reason a stream error is counted under, or null for the ones that are not the peer's fault:
   * a stream refused during a drain (past the last stream of our GOAWAY), and frames that cross our
   * own reset on the wire. A stream over the concurrent stream limit we advertised is the peer's.
   */
  static RejectReason reasonOf(Http2Exception.StreamException e) {
    if (e instanceof Http2Exception.HeaderListSizeException) {
      return RejectReason.HEADERS_TOO_LARGE;
    }
    Http2Error error = e.error();
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    if (error == Http2Error.REFUSED_STREAM) {
      // Netty's words for SETTINGS_MAX_CONCURRENT_STREAMS exceeded (DefaultHttp2Connection).
      return m.contains("maximum active streams") ? RejectReason.HTTP2_TOO_MANY_STREAMS : null;
    }
    if (error == Http2Error.STREAM_CLOSED
        || error == Http2Error.CANCEL
        || error == Http2Error.NO_ERROR) {
      return null;
    }
    return m.contains("header") ? RejectReason.BAD_HEADER : RejectReason.HTTP2_PROTOCOL_ERROR;
  }

  /** Builds {@link Http2Codec} with every setting of Netty's builder. */
  static final class Builder extends Http2FrameCodecBuilder {
    private final Rejections rejections;

    Builder(Rejections rejections) {
      this.rejections = rejections;
      server(true);
    }

    @Override
    protected Http2FrameCodec build(
        Http2ConnectionDecoder decoder,
        Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      Http2Codec codec =
          new Http2Codec(
              encoder,
              decoder,
              initialSettings,
              decoupleCloseAndGoAway(),
              flushPreface(),
              rejections);
      codec.gracefulShutdownTimeoutMillis(gracefulShutdownTimeoutMillis());
      return codec;
    }
  }
}
