package io.nodemesh.proxy.respond;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Responses the proxy itself makes: one line of plain text saying what went wrong. */
public final class Responses {
  private Responses() {}

  /**
   * @param line the body, without the newline
   * @param keepAlive whether the connection stays open afterwards
   */
  public static FullHttpResponse text(
      ByteBufAllocator alloc, HttpResponseStatus status, String line, boolean keepAlive) {
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    ByteBuf body = alloc.buffer(bytes.length).writeBytes(bytes);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    if (!keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return r;
  }
}
