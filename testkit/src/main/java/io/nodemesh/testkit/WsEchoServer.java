package io.nodemesh.testkit;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/** A WebSocket server on {@code /ws} that answers each text message with {@code echo:<text>}. */
public final class WsEchoServer extends NettyServer {

  public WsEchoServer() throws InterruptedException {
    bind(
        pipeline ->
            pipeline
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(65536))
                .addLast(new WebSocketServerProtocolHandler("/ws"))
                .addLast(
                    new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                      @Override
                      protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                        ctx.writeAndFlush(new TextWebSocketFrame("echo:" + f.text()));
                      }
                    }));
  }
}
