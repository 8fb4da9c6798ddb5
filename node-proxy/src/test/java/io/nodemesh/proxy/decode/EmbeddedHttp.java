package io.nodemesh.proxy.decode;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** Raw bytes in and out of an embedded channel that stands for one downstream connection. */
public final class EmbeddedHttp {
  private EmbeddedHttp() {}

  /** Writes {@code request} (ASCII), runs what it scheduled, and returns all the answer (UTF-8). */
  public static String exchange(EmbeddedChannel ch, String request) {
    ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
    ch.runPendingTasks();
    return outbound(ch, StandardCharsets.UTF_8);
  }

  /** All the bytes written so far, decoded with {@code charset}, each buffer released. */
  public static String outbound(EmbeddedChannel ch, Charset charset) {
    StringBuilder out = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      out.append(b.toString(charset));
      b.release();
    }
    return out.toString();
  }
}
