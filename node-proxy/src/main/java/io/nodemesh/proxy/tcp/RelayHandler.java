package io.nodemesh.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.nodemesh.proxy.transport.ByteRelay;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.function.IntConsumer;

/**
 * Relays what one channel reads to its peer (the Netty HexDumpProxy pattern): AUTO_READ is off and
 * the next read is requested only once the write to the peer has completed, so a slow reader holds
 * back a fast writer. A FIN read on this side shuts down the peer's output after everything read
 * before it has been written; the other direction keeps flowing until it ends too, then both
 * channels close. Both channels need {@code ALLOW_HALF_CLOSURE}.
 *
 * <p>Until the peer is attached (the upstream connect), anything read is held (the epoll transport
 * may read on a peer hang-up even without a read request).
 */
class RelayHandler extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(RelayHandler.class.getName());

  private ChannelHandlerContext ctx;
  private Channel peer;
  private ArrayDeque<Object> held;
  private boolean inputEnded;
  private IntConsumer readBytes;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Starts relaying to {@code peer}; on this channel's event loop (both share it). */
  final void attach(Channel peer) {
    this.peer = peer;
    ArrayDeque<Object> h = held;
    held = null;
    if (h != null) {
      Object m;
      while ((m = h.poll()) != null) {
        peer.write(m);
      }
    }
    if (inputEnded) {
      endPeerOutput();
    } else if (h != null) {
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER)
          .addListener(
              (ChannelFuture f) -> {
                if (f.isSuccess()) {
                  ctx.channel().read();
                } else {
                  closeBoth(f.cause());
                }
              });
    } else {
      ctx.channel().read();
    }
  }

  /** Reports the size of every buffer read on this side (metrics); on the event loop. */
  final void countReads(IntConsumer counter) {
    this.readBytes = counter;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (readBytes != null && msg instanceof ByteBuf b) {
      readBytes.accept(b.readableBytes());
    }
    if (peer == null) {
      if (held == null) {
        held = new ArrayDeque<>();
      }
      held.add(msg);
      return;
    }
    ByteRelay.forward(
        ctx,
        msg,
        peer,
        () -> {
          if (!inputEnded) {
            ctx.channel().read();
          }
        },
        this::closeBoth);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent) {
      inputEnded = true;
      if (peer != null) {
        endPeerOutput();
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  /** After every earlier write to the peer: shut its output down, and close both when all ended. */
  private void endPeerOutput() {
    Channel self = ctx.channel();
    if (!(peer instanceof DuplexChannel)) {
      // A tunnel's CONNECT stream (UpstreamRelay#connect): the end of its output is END_STREAM,
      // written after everything before it; the stream closes itself once both ends have ended.
      peer.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(
              (ChannelFuture written) -> {
                if (!written.isSuccess()) {
                  closeBoth(written.cause());
                }
              });
      return;
    }
    peer.writeAndFlush(Unpooled.EMPTY_BUFFER)
        .addListener(
            (ChannelFuture written) -> {
              if (!written.isSuccess() || !(peer instanceof DuplexChannel duplex)) {
                closeBoth(written.cause());
                return;
              }
              duplex
                  .shutdownOutput()
                  .addListener(
                      (ChannelFuture shut) -> {
                        if (!shut.isSuccess()) {
                          closeBoth(shut.cause());
                        } else if (bothEnded(self, peer)) {
                          closeBoth(null);
                        }
                      });
            });
  }

  private static boolean bothEnded(Channel a, Channel b) {
    return a instanceof DuplexChannel da
        && b instanceof DuplexChannel db
        && da.isInputShutdown()
        && db.isInputShutdown()
        && da.isOutputShutdown()
        && db.isOutputShutdown();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (held != null) {
      held.forEach(ReferenceCountUtil::release);
      held = null;
    }
    if (peer != null) {
      ByteRelay.closeAfterWrites(peer);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    closeBoth(cause);
  }

  private void closeBoth(Throwable cause) {
    if (cause != null) {
      LOG.log(
          Level.DEBUG,
          "tcp relay {0}: {1}: {2}",
          String.valueOf(ctx.channel().remoteAddress()),
          cause.getClass().getSimpleName(),
          String.valueOf(cause.getMessage()));
    }
    ctx.channel().close();
    if (peer != null) {
      peer.close();
    }
  }
}
