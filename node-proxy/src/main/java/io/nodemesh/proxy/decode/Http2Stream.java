package io.nodemesh.proxy.decode;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Stream.State;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.PromiseCombiner;
import io.nodemesh.proxy.limits.Http2StreamGuard;
import io.nodemesh.proxy.upstream.Downstream;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One downstream HTTP/2 stream, without a channel or pipeline of its own: the context its {@link
 * DownstreamHandler} (and through it the upstream stage's {@code Exchange}) reads from and writes
 * to, so a stream is proxied by the same request path as an HTTP/1.1 request. Inbound frames pass
 * the stream's checks ({@link Http2StreamGuard}) and become HTTP objects ({@link Http2Messages});
 * what the handler writes becomes frames with this stream's id, written on the connection.
 *
 * <p>Backpressure is HTTP/2 flow control (RFC 9113 §5.2): a frame is handed on only when the
 * handler asks for one ({@link #read}), and its bytes are given back to the client's window only
 * then, so a stream whose backend is slow stops the client once its window is used up. The
 * connection keeps reading: other streams go on.
 *
 * <p>Closing resets the stream with {@code CANCEL} if it is still open, never the connection; the
 * stream ends (its handler sees {@code channelInactive}) when the codec closes it, on a reset from
 * either side, or with the connection.
 */
final class Http2Stream implements ChannelHandlerContext {
  private final Http2Streams connection;
  private final ChannelHandlerContext conn;
  private final Http2FrameStream stream;
  private final Http2StreamGuard guard;
  private final DownstreamHandler handler;
  private ArrayDeque<Http2StreamFrame> inbound;
  private boolean readPending;
  private boolean delivering;
  private boolean closed;

  Http2Stream(
      Http2Streams connection,
      ChannelHandlerContext conn,
      Http2FrameStream stream,
      Http2StreamGuard guard,
      DownstreamHandler handler) {
    this.connection = connection;
    this.conn = conn;
    this.stream = stream;
    this.guard = guard;
    this.handler = handler;
  }

  int id() {
    return stream.id();
  }

  /** The stream is open: its handler asks for the request head. */
  void open() {
    handler.handlerAdded(this);
    handler.channelActive(this);
  }

  /** A HEADERS or DATA frame of this stream from the connection; handed on when asked for. */
  void inbound(Http2StreamFrame frame) {
    if (closed) {
      ReferenceCountUtil.release(frame);
      return;
    }
    if (inbound == null) {
      inbound = new ArrayDeque<>(4);
    }
    inbound.add(frame);
    deliver();
  }

  /**
   * Hands on frames while the handler asks for them, one per {@link #read}. A loop, not recursion:
   * the handler asks for the next frame from inside its read (a discarded body), and a client may
   * send a window's worth of one-byte DATA frames.
   */
  private void deliver() {
    if (delivering) {
      return;
    }
    delivering = true;
    try {
      Http2StreamFrame f;
      while (readPending && !closed && inbound != null && (f = inbound.poll()) != null) {
        readPending = false;
        int bytes = f instanceof Http2DataFrame d ? d.initialFlowControlledBytes() : 0;
        try {
          guard.channelRead(this, f);
        } catch (RuntimeException e) {
          // What a stream's pipeline did with a handler's exception: the handler logs it and
          // closes, here the stream; the connection's other streams go on.
          handler.exceptionCaught(this, e);
        }
        if (bytes > 0) {
          connection.consumed(stream, bytes);
        }
      }
    } finally {
      delivering = false;
    }
  }

  /** What the guard lets through: the frame as HTTP objects, to the handler. */
  @Override
  public ChannelHandlerContext fireChannelRead(Object msg) {
    if (!(msg instanceof Http2StreamFrame frame) || closed) {
      ReferenceCountUtil.release(msg);
      return this;
    }
    List<Object> out = new ArrayList<>(2);
    try {
      Http2Messages.INSTANCE.toHttp(conn, frame, out);
    } catch (Exception e) {
      // A head the HTTP conversion cannot take (RFC 9113 §8.1.1: malformed).
      out.forEach(ReferenceCountUtil::release);
      reset(Http2Error.PROTOCOL_ERROR);
      return this;
    } finally {
      ReferenceCountUtil.release(frame);
    }
    for (Object o : out) {
      if (closed) {
        ReferenceCountUtil.release(o);
      } else {
        handler.channelRead(this, o);
      }
    }
    return this;
  }

  @Override
  public ChannelHandlerContext read() {
    if (!closed) {
      guard.readRequested(this);
      readPending = true;
      deliver();
    }
    return this;
  }

  /**
   * Frames go to the connection with this stream's id: the guard's own answers as they are, the
   * handler's HTTP objects converted, and past the guard (which drops a late response to a stream
   * it has answered).
   */
  @Override
  public ChannelFuture write(Object msg, ChannelPromise promise) {
    if (msg instanceof Http2StreamFrame f) {
      return conn.write(f.stream(stream), promise);
    }
    if (!(msg instanceof HttpObject part)) {
      // The empty buffer a handler writes to flush before a close.
      boolean empty = msg instanceof ByteBuf b && !b.isReadable();
      ReferenceCountUtil.release(msg);
      if (empty) {
        promise.trySuccess();
      } else {
        promise.tryFailure(new IllegalArgumentException("not an HTTP object"));
      }
      return promise;
    }
    List<Object> frames = new ArrayList<>(2);
    try {
      Http2Messages.INSTANCE.toFrames(conn, part, frames);
    } catch (Exception e) {
      // A response HTTP/2 cannot carry: the stream is reset, the connection goes on.
      frames.forEach(ReferenceCountUtil::release);
      promise.tryFailure(e);
      close();
      return promise;
    } finally {
      ReferenceCountUtil.release(part);
    }
    if (frames.size() == 1 || promise.isVoid()) {
      for (Object f : frames) {
        guard.write(this, f, promise);
      }
      return promise;
    }
    PromiseCombiner all = new PromiseCombiner(conn.executor());
    for (Object f : frames) {
      ChannelPromise p = conn.newPromise();
      all.add(p);
      guard.write(this, f, p);
    }
    all.finish(promise);
    return promise;
  }

  @Override
  public ChannelFuture writeAndFlush(Object msg, ChannelPromise promise) {
    ChannelFuture f = write(msg, promise);
    conn.flush();
    return f;
  }

  @Override
  public ChannelHandlerContext flush() {
    conn.flush();
    return this;
  }

  /** Resets the stream with {@code CANCEL} if it is still open, and ends it. */
  @Override
  public ChannelFuture close(ChannelPromise promise) {
    reset(Http2Error.CANCEL);
    promise.trySuccess();
    return promise;
  }

  @Override
  public ChannelFuture close() {
    return close(newPromise());
  }

  private void reset(Http2Error error) {
    if (closed) {
      return;
    }
    if (stream.state() != State.CLOSED) {
      conn.writeAndFlush(new DefaultHttp2ResetFrame(error).stream(stream), connection.quiet());
    }
    closed();
  }

  /** The stream has ended: its handler ends the exchange, if any. Runs once. */
  void closed() {
    if (closed) {
      return;
    }
    closed = true;
    readPending = false;
    if (inbound != null) {
      Http2StreamFrame f;
      while ((f = inbound.poll()) != null) {
        ReferenceCountUtil.release(f);
      }
    }
    connection.remove(this);
    guard.channelInactive(this);
    handler.channelInactive(this);
  }

  @Override
  public Channel channel() {
    return conn.channel();
  }

  @Override
  public EventExecutor executor() {
    return conn.executor();
  }

  @Override
  public String name() {
    return Downstream.HANDLER;
  }

  @Override
  public ChannelHandler handler() {
    return handler;
  }

  @Override
  public boolean isRemoved() {
    return closed;
  }

  @Override
  public ByteBufAllocator alloc() {
    return conn.alloc();
  }

  @Override
  public ChannelPromise newPromise() {
    return conn.newPromise();
  }

  @Override
  public ChannelProgressivePromise newProgressivePromise() {
    return conn.newProgressivePromise();
  }

  @Override
  public ChannelFuture newSucceededFuture() {
    return conn.newSucceededFuture();
  }

  @Override
  public ChannelFuture newFailedFuture(Throwable cause) {
    return conn.newFailedFuture(cause);
  }

  /**
   * A void promise whose failure is dropped, not fired at the connection's pipeline: a write to a
   * stream the client has reset fails, and that is no reason to close the connection.
   */
  @Override
  public ChannelPromise voidPromise() {
    return connection.quiet();
  }

  // What the handler and the guard pass on after themselves: nothing follows them on a stream.

  @Override
  public ChannelHandlerContext fireChannelRegistered() {
    return this;
  }

  @Override
  public ChannelHandlerContext fireChannelUnregistered() {
    return this;
  }

  @Override
  public ChannelHandlerContext fireChannelActive() {
    return this;
  }

  @Override
  public ChannelHandlerContext fireChannelInactive() {
    return this;
  }

  @Override
  public ChannelHandlerContext fireExceptionCaught(Throwable cause) {
    return this;
  }

  @Override
  public ChannelHandlerContext fireUserEventTriggered(Object evt) {
    ReferenceCountUtil.release(evt);
    return this;
  }

  @Override
  public ChannelHandlerContext fireChannelReadComplete() {
    return this;
  }

  @Override
  public ChannelHandlerContext fireChannelWritabilityChanged() {
    return this;
  }

  // A stream is not a connection: it has no pipeline, address or registration of its own.

  @Override
  public ChannelPipeline pipeline() {
    throw new UnsupportedOperationException("an HTTP/2 stream has no pipeline");
  }

  @Override
  public ChannelFuture bind(SocketAddress localAddress, ChannelPromise promise) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ChannelFuture connect(SocketAddress remoteAddress, ChannelPromise promise) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ChannelFuture connect(
      SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ChannelFuture disconnect(ChannelPromise promise) {
    return close(promise);
  }

  @Override
  public ChannelFuture deregister(ChannelPromise promise) {
    throw new UnsupportedOperationException();
  }

  @Override
  @SuppressWarnings("deprecation")
  public <T> Attribute<T> attr(AttributeKey<T> key) {
    return conn.channel().attr(key);
  }

  @Override
  @SuppressWarnings("deprecation")
  public <T> boolean hasAttr(AttributeKey<T> key) {
    return conn.channel().hasAttr(key);
  }
}
