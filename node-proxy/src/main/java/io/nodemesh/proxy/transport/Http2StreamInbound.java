package io.nodemesh.proxy.transport;

import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * The received HEADERS and DATA frames of one HTTP/2 stream that has no channel of its own, handed
 * on one per {@link #read}. Both ends of the proxy multiplex streams this way (a client's streams
 * in decode, a backend's in upstream), so the backpressure rule lives here once: a DATA frame's
 * bytes go back to the peer's window (RFC 9113 §5.2, §6.9) only after the frame is handed on, so a
 * slow reader stops its peer's stream once the window is used up, and nothing else on the
 * connection.
 *
 * <p>A loop, not recursion: a reader asks for the next frame from inside its handling of one (a
 * discarded body, an interim response, a flush completed at once), and a peer may send a window's
 * worth of one-byte DATA frames.
 */
public final class Http2StreamInbound {
  /** The stream the frames are handed to. */
  public interface Reader {
    /** The stream has ended: frames still arriving are dropped, none is handed on. */
    boolean ended();

    /** Hands on one frame; its reference goes with it. */
    void hand(Http2StreamFrame frame);

    /** A handed-on DATA frame's flow-controlled bytes, to give back to the peer's window. */
    void consumed(int bytes);
  }

  private final Reader reader;
  private ArrayDeque<Http2StreamFrame> frames;
  private boolean readPending;
  private boolean delivering;

  public Http2StreamInbound(Reader reader) {
    this.reader = reader;
  }

  /** A frame of this stream from the connection; handed on when asked for. */
  public void add(Http2StreamFrame frame) {
    if (reader.ended()) {
      ReferenceCountUtil.release(frame);
      return;
    }
    if (frames == null) {
      frames = new ArrayDeque<>(4);
    }
    frames.add(frame);
    deliver();
  }

  /** The reader asks for one frame. */
  public void read() {
    readPending = true;
    deliver();
  }

  /**
   * Hands on frames while the reader asks for them, one per {@link #read}.
   *
   * @return false if called from inside a delivery (which goes on), true once this call has handed
   *     on all it could
   */
  public boolean deliver() {
    if (delivering) {
      return false;
    }
    delivering = true;
    try {
      Http2StreamFrame f;
      while (readPending && !reader.ended() && frames != null && (f = frames.poll()) != null) {
        readPending = false;
        int bytes = f instanceof Http2DataFrame d ? d.initialFlowControlledBytes() : 0;
        reader.hand(f);
        if (bytes > 0) {
          reader.consumed(bytes);
        }
      }
      return true;
    } finally {
      delivering = false;
    }
  }

  /** No frame waits to be handed on. */
  public boolean isEmpty() {
    return frames == null || frames.isEmpty();
  }

  /** The stream has ended: the frames not handed on are released, no read is pending. */
  public void clear() {
    readPending = false;
    if (frames != null) {
      Http2StreamFrame f;
      while ((f = frames.poll()) != null) {
        ReferenceCountUtil.release(f);
      }
    }
  }
}
