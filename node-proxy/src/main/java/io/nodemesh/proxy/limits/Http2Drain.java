package io.nodemesh.proxy.limits;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import java.util.concurrent.TimeUnit;

/**
 * Drains one downstream HTTP/2 connection: GOAWAY with the last stream the peer opened (RFC 9113
 * §6.8), so it opens no new streams here and knows nothing it sent was dropped; the open streams
 * finish, then the connection closes. Netty's own graceful close is not used: it closed at once
 * with streams still open.
 */
final class Http2Drain {
  private static final long CHECK_MILLIS = 20;

  private Http2Drain() {}

  /** Starts the drain on the channel's event loop. */
  static void start(Channel ch, Http2FrameCodec codec) {
    ch.eventLoop()
        .execute(
            () -> {
              ch.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
              closeWhenNoStreams(ch, codec);
            });
  }

  private static void closeWhenNoStreams(Channel ch, Http2FrameCodec codec) {
    if (!ch.isActive()) {
      return;
    }
    if (codec.connection().numActiveStreams() == 0) {
      ch.close();
      return;
    }
    ch.eventLoop()
        .schedule(() -> closeWhenNoStreams(ch, codec), CHECK_MILLIS, TimeUnit.MILLISECONDS);
  }
}
