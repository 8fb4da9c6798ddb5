package io.nodemesh.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpObject;

/**
 * The upstream side of one exchange, as HTTP/1.x objects: a borrowed HTTP/1.1 connection (its
 * {@link UpstreamHandler}) or one stream of a shared HTTP/2 connection ({@link
 * Http2UpstreamStream}, no channel of its own). Used on the connection's event loop only.
 */
interface UpstreamLink {
  /** What the backend sends goes to {@code reader} from now on. */
  void attach(UpstreamReader reader);

  /** Nothing goes to the reader any more. */
  void detach();

  /**
   * Writes a request part; flushes when {@code flush}. With a {@code listener}, it hears of the
   * write's completion (while a reader is attached); a failure without one ends the link, which the
   * reader hears of as {@link UpstreamReader#onUpstreamClosed}.
   */
  void write(HttpObject part, boolean flush, ChannelFutureListener listener);

  /** Asks for the next part of the response (backpressure: one read, one part). */
  void read();

  /** Ends the link: an HTTP/1.1 connection closes, an HTTP/2 stream still open is reset. */
  void close();

  /**
   * Whether the end of a request without a body must be flushed (an HTTP/2 stream's DATA frame).
   */
  boolean multiplexed();

  /**
   * Whether the peer never processed the request (a relay stream it refused or left out of GOAWAY,
   * RFC 9113 §6.8), so that it may be sent again whatever its method.
   */
  boolean unprocessed();

  /** The connection the link writes to: the HTTP/1.1 connection, or the HTTP/2 one it rides. */
  Channel channel();
}
