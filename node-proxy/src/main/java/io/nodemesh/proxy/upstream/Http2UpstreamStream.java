package io.nodemesh.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Stream.State;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One exchange's stream on a shared HTTP/2 connection to a backend ({@link Http2Upstream}), with no
 * channel or pipeline of its own: what the exchange writes becomes frames with this stream's id,
 * written on the connection; the HEADERS and DATA frames the connection routes here become HTTP
 * objects for the exchange.
 *
 * <p>Backpressure is HTTP/2 flow control (RFC 9113 §5.2): a frame is handed on only when the
 * exchange asks for one ({@link #read}), and its bytes go back to the backend's window only then,
 * so a slow client stops the backend's stream once the window is used up, and nothing else.
 *
 * <p>The stream ends once: when the exchange closes it (a reset with {@code CANCEL} if it is still
 * open, RFC 9113 §8.7), when a write fails or the codec reports a stream error, or when the codec
 * closes it (both ends done, a reset from the backend, GOAWAY, the connection's close) and the
 * frames that arrived before are handed on.
 */
final class Http2UpstreamStream implements UpstreamLink, ChannelFutureListener {
  private final Http2Upstream connection;
  private final ChannelHandlerContext conn;
  private final Http2FrameStream stream;
  private UpstreamReader reader;
  private ChannelFutureListener listener;
  private ArrayDeque<Http2StreamFrame> inbound;
  private boolean readPending;
  private boolean delivering;
  // The codec has closed the stream: what is queued is handed on, then the stream ends.
  private boolean closing;
  private boolean closed;

  Http2UpstreamStream(Http2Upstream connection, ChannelHandlerContext conn) {
    this.connection = connection;
    this.conn = conn;
    this.stream = connection.newFrameStream();
  }

  @Override
  public void attach(UpstreamReader r) {
    reader = r;
  }

  @Override
  public void detach() {
    reader = null;
  }

  @Override
  public void write(HttpObject part, boolean flush, ChannelFutureListener l) {
    if (closed) {
      ReferenceCountUtil.release(part);
      return;
    }
    if (l != null) {
      listener = l;
    }
    List<Object> frames = new ArrayList<>(2);
    try {
      Http2UpstreamMessages.INSTANCE.toFrames(conn, part, frames);
    } catch (Exception e) {
      // A request HTTP/2 cannot carry: this stream fails, the connection goes on.
      frames.forEach(ReferenceCountUtil::release);
      failed(e);
      return;
    } finally {
      ReferenceCountUtil.release(part);
    }
    boolean opening = !Http2CodecUtil.isStreamIdValid(stream.id());
    int n = frames.size();
    for (int i = 0; i < n; i++) {
      Http2StreamFrame f = ((Http2StreamFrame) frames.get(i)).stream(stream);
      // Frames of one stream go out in order: only the last one's outcome needs hearing.
      ChannelPromise p = i < n - 1 ? connection.quiet() : conn.newPromise();
      conn.write(f, p);
      if (opening && Http2CodecUtil.isStreamIdValid(stream.id())) {
        // The codec gives the stream its id as its HEADERS are written (or queued, beyond the
        // backend's SETTINGS_MAX_CONCURRENT_STREAMS): frames with that id come here from now on.
        opening = false;
        connection.register(stream.id(), this);
      }
      if (i == n - 1) {
        p.addListener(this);
      }
    }
    if (flush) {
      conn.flush();
    }
  }

  /**
   * A write of this stream has completed: a failure ends the stream, success goes to the listener.
   */
  @Override
  public void operationComplete(ChannelFuture f) throws Exception {
    if (closed) {
      return;
    }
    if (!f.isSuccess()) {
      failed(f.cause());
      return;
    }
    ChannelFutureListener l = listener;
    if (l != null && reader != null) {
      l.operationComplete(f);
    }
  }

  @Override
  public void read() {
    if (!closed) {
      readPending = true;
      deliver();
    }
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
   * Hands on frames while the exchange asks for them, one per {@link #read}, each followed by the
   * end of a read. A loop, not recursion: the exchange asks for the next frame from inside its
   * handling of one (an interim response, a flush completed at once).
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
        hand(f);
        if (bytes > 0 && !closed) {
          connection.consumed(stream, bytes);
        }
      }
      if (closing && !closed && (inbound == null || inbound.isEmpty())) {
        closed(null);
      }
    } finally {
      delivering = false;
    }
  }

  private void hand(Http2StreamFrame frame) {
    List<Object> out = new ArrayList<>(2);
    try {
      Http2UpstreamMessages.INSTANCE.toHttp(conn, frame, out);
    } catch (Exception e) {
      // A response head the conversion cannot take (RFC 9113 §8.1.1: malformed).
      out.forEach(ReferenceCountUtil::release);
      reset(Http2Error.PROTOCOL_ERROR, e);
      return;
    } finally {
      ReferenceCountUtil.release(frame);
    }
    for (Object o : out) {
      UpstreamReader r = reader;
      if (r == null || closed) {
        ReferenceCountUtil.release(o);
      } else {
        r.onUpstreamRead((HttpObject) o);
      }
    }
    UpstreamReader r = reader;
    if (r != null && !closed) {
      r.onUpstreamReadComplete();
    }
  }

  /** The codec has closed the stream: it ends once what arrived before is handed on. */
  void codecClosed() {
    closing = true;
    deliver();
  }

  /** A write failed or the codec reported a stream error: the stream ends now. */
  void failed(Throwable cause) {
    reset(Http2Error.CANCEL, cause);
  }

  @Override
  public void close() {
    reset(Http2Error.CANCEL, null);
  }

  private void reset(Http2Error error, Throwable cause) {
    if (closed) {
      return;
    }
    // Ended first: the reset fails the writes still queued for a stream over the backend's limit,
    // whose completions then find it ended.
    boolean open = Http2CodecUtil.isStreamIdValid(stream.id()) && stream.state() != State.CLOSED;
    closed(cause);
    if (open) {
      conn.writeAndFlush(new DefaultHttp2ResetFrame(error).stream(stream), connection.quiet());
    }
  }

  /** The stream has ended: the connection forgets it, an attached reader hears of it. Runs once. */
  private void closed(Throwable cause) {
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
    connection.ended(this, stream.id());
    UpstreamReader r = reader;
    reader = null;
    if (r != null) {
      r.onUpstreamClosed(cause);
    }
  }

  @Override
  public boolean multiplexed() {
    return true;
  }

  /** A stream of a direct connection is not sent again when lost (the Call's retries apply). */
  @Override
  public boolean unprocessed() {
    return false;
  }

  @Override
  public Channel channel() {
    return conn.channel();
  }
}
