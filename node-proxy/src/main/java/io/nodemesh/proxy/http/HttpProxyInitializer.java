package io.nodemesh.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The pipeline of a downstream HTTP/1.1 connection, on a service listener or the entry port. */
public final class HttpProxyInitializer extends ChannelInitializer<Channel> {
  public static final String IDLE = "idle";
  public static final String CODEC = "http-server";
  public static final String PROXY = "proxy";

  private final HttpProxyContext context;
  private final Supplier<Router> routers;

  /**
   * @param routers makes the router of each new connection
   */
  public HttpProxyInitializer(HttpProxyContext context, Supplier<Router> routers) {
    this.context = context;
    this.routers = routers;
  }

  @Override
  protected void initChannel(Channel ch) {
    ChannelPipeline p = ch.pipeline();
    addTimeoutHandlers(p);
    addHttp1Handlers(p);
    addMeshHandlers(p);
    context.limits().installDownstream(p, CODEC);
  }

  private void addTimeoutHandlers(ChannelPipeline p) {
    long idle = context.settings().idleTimeout().toNanos();
    p.addLast(IDLE, new IdleStateHandler(0, 0, idle, TimeUnit.NANOSECONDS));
  }

  private void addHttp1Handlers(ChannelPipeline p) {
    p.addLast(CODEC, new HttpServerCodec(context.limits().decoderConfig()));
  }

  private void addMeshHandlers(ChannelPipeline p) {
    p.addLast(PROXY, new DownstreamHandler(context, routers.get()));
  }
}
