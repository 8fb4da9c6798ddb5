package io.nodemesh.proxy.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * How an exchange's tunnel stream reads at the caller (an HTTP request, not a CONNECT stream): one
 * {@code read()} takes every frame of the stream that the tunnel connection has in hand, up to
 * {@link #MAX_FRAMES}, as a socket read hands a codec every message of the bytes it got. Netty's
 * stream channel, with auto-read off (the exchange reads on demand), otherwise delivers one frame
 * per {@code read()} and ends the read after it: a response whose HEADERS and DATA arrived in one
 * TLS record then left node a as two flushes, two {@code sendto} to the client with an {@code
 * epoll_ctl} between them, where plaintext through the same proxies sends head and body in one
 * {@code writev} (docs/benchmarks.md, "Node-to-node tunnel", 2026-12-08). With this, the frames of
 * one read of the tunnel connection reach the exchange in one read, which ends when the
 * connection's read ends, and the exchange flushes once.
 *
 * <p>Backpressure is unchanged: the frames it hands over are already in memory, held to the
 * stream's HTTP/2 flow-control window (RFC 9113 §5.2), and the next read still waits until the
 * exchange asks for it.
 */
final class StreamReads implements RecvByteBufAllocator {
  /** As Netty's default for a stream channel: at most 16 frames per read. */
  static final int MAX_FRAMES = 16;

  static final StreamReads INSTANCE = new StreamReads();

  private StreamReads() {}

  @Override
  public Handle newHandle() {
    return new FramesInHand();
  }

  /** Counts frames; goes on while fewer than {@link #MAX_FRAMES}, whatever auto-read says. */
  private static final class FramesInHand implements RecvByteBufAllocator.ExtendedHandle {
    private int frames;
    private int lastBytes;
    private int attemptedBytes;

    @Override
    public ByteBuf allocate(ByteBufAllocator alloc) {
      // A stream channel never reads into a buffer of its own; as Netty's handle, a small guess.
      return alloc.ioBuffer(guess());
    }

    @Override
    public int guess() {
      return 1024;
    }

    @Override
    public void reset(ChannelConfig config) {
      frames = 0;
    }

    @Override
    public void incMessagesRead(int numMessages) {
      frames += numMessages;
    }

    @Override
    public void lastBytesRead(int bytes) {
      lastBytes = bytes;
    }

    @Override
    public int lastBytesRead() {
      return lastBytes;
    }

    @Override
    public void attemptedBytesRead(int bytes) {
      attemptedBytes = bytes;
    }

    @Override
    public int attemptedBytesRead() {
      return attemptedBytes;
    }

    @Override
    public boolean continueReading() {
      return frames < MAX_FRAMES;
    }

    @Override
    public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
      return continueReading();
    }

    @Override
    public void readComplete() {
      // Nothing to learn: there is no buffer size to adapt.
    }
  }
}
