package io.nodemesh.proxy.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The body of a chunked response (RFC 9112 section 7.1) as a blocking stream, for a writer on its
 * own thread: bytes collect until {@link #flush} or {@link #CHUNK_BYTES}, then go out as one chunk,
 * and the writer waits until the chunk is written, so it never runs ahead of a slow reader by more
 * than a chunk. A failed write (the reader went away) is an {@link IOException}. The last chunk is
 * the caller's to write.
 */
final class ChunkedOutput extends OutputStream {
  static final int CHUNK_BYTES = 16 * 1024;

  private final Channel channel;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);

  ChunkedOutput(Channel channel) {
    this.channel = channel;
  }

  @Override
  public void write(int b) throws IOException {
    buffer.write(b);
    if (buffer.size() >= CHUNK_BYTES) {
      flush();
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    buffer.write(b, off, len);
    if (buffer.size() >= CHUNK_BYTES) {
      flush();
    }
  }

  @Override
  public void flush() throws IOException {
    if (buffer.size() == 0) {
      return;
    }
    ChannelFuture written =
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(buffer.toByteArray())));
    buffer.reset();
    written.awaitUninterruptibly();
    if (!written.isSuccess()) {
      throw new IOException("reader went away", written.cause());
    }
  }

  @Override
  public void close() throws IOException {
    flush();
  }
}
