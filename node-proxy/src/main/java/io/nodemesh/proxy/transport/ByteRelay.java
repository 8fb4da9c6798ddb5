package io.nodemesh.proxy.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;

/**
 * The one relay step of the proxy's opaque byte relays (a TCP listener's connection and its
 * upstream, an upgraded HTTP connection and its backend): what one side read goes to its peer, and
 * the next read is asked for only once that write has completed, so a slow reader holds back a fast
 * writer (AUTO_READ off on both; the Netty HexDumpProxy pattern). The handlers keep what differs:
 * when to read again, how to end both.
 */
public final class ByteRelay {
  private ByteRelay() {}

  /**
   * Writes {@code msg}, read on {@code ctx}'s channel, to {@code peer}; then {@code readNext} runs
   * when the write succeeded and {@code failed} with its cause when it did not. A peer already gone
   * releases {@code msg} and closes this side.
   */
  public static void forward(
      ChannelHandlerContext ctx,
      Object msg,
      Channel peer,
      Runnable readNext,
      Consumer<Throwable> failed) {
    if (!peer.isActive()) {
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    peer.writeAndFlush(msg)
        .addListener(
            (ChannelFuture f) -> {
              if (f.isSuccess()) {
                readNext.run();
              } else {
                failed.accept(f.cause());
              }
            });
  }

  /** When one side is gone: {@code peer} closes once what was already written to it went out. */
  public static void closeAfterWrites(Channel peer) {
    if (peer.isActive()) {
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
