package io.nodemesh.proxy.tunnel;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * On a caller's tunnel stream, in front of its HTTP/2 codec: a request head followed by an empty
 * end (every GET) leaves as one HEADERS frame with END_STREAM (RFC 9113 §8.1), not as HEADERS and
 * then an empty DATA frame with END_STREAM. The exchange writes and flushes the head, and the end a
 * moment later in the same read of the client's connection; the head waits for it, at most until
 * the event loop has finished that pass (then it goes alone, as before). One frame less to encode,
 * encrypt, decode and dispatch per request on both proxies (docs/benchmarks.md, "Node-to-node
 * tunnel").
 */
final class BodilessRequest extends ChannelDuplexHandler {
  static final String NAME = "tunnel-bodiless";

  private HttpRequest head;
  private ChannelPromise headPromise;
  private boolean flushHeld;
  private boolean released;

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (head != null) {
      HttpRequest h = head;
      ChannelPromise hp = headPromise;
      head = null;
      headPromise = null;
      flushHeld = false;
      if (msg instanceof LastHttpContent end
          && !end.content().isReadable()
          && end.trailingHeaders().isEmpty()) {
        end.release();
        FullHttpRequest whole =
            new DefaultFullHttpRequest(
                h.protocolVersion(),
                h.method(),
                h.uri(),
                Unpooled.EMPTY_BUFFER,
                h.headers(),
                end.trailingHeaders());
        ChannelFuture written = ctx.write(whole, hp);
        if (!promise.isVoid()) {
          // Both writes are one now: the end's promise follows the head's.
          written.addListener(
              f -> {
                if (f.isSuccess()) {
                  promise.trySuccess();
                } else {
                  promise.tryFailure(f.cause());
                }
              });
        }
        return;
      }
      ctx.write(h, hp);
      ctx.write(msg, promise);
      return;
    }
    if (msg instanceof HttpRequest r && !(msg instanceof FullHttpRequest)) {
      head = r;
      // A void promise cannot carry the listener above; a real one stands in for it.
      headPromise = promise.isVoid() ? ctx.newPromise() : promise;
      return;
    }
    ctx.write(msg, promise);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (head == null) {
      ctx.flush();
      return;
    }
    if (!flushHeld) {
      flushHeld = true;
      // The end comes in this pass of the event loop when the request has no body; if it does not
      // (a body, or a client slow to send it), the head goes out alone once the pass is over.
      ctx.executor().execute(() -> flushHead(ctx));
    }
  }

  private void flushHead(ChannelHandlerContext ctx) {
    if (head == null || released) {
      return;
    }
    HttpRequest h = head;
    ChannelPromise hp = headPromise;
    head = null;
    headPromise = null;
    flushHeld = false;
    ctx.writeAndFlush(h, hp);
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    drop();
    ctx.close(promise);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    drop();
  }

  private void drop() {
    released = true;
    if (head != null) {
      ReferenceCountUtil.release(head);
      headPromise.tryFailure(new ClosedChannelException());
      head = null;
      headPromise = null;
    }
  }
}
