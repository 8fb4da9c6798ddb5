package io.nodemesh.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.nodemesh.proxy.balance.Target;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Another way to the endpoint than a direct connection: the node-to-node tunnel (issue 14). The
 * HTTP proxy asks it first for every attempt; it answers null when the endpoint is to be dialled
 * directly (same node, mTLS off).
 */
public interface UpstreamRelay {
  /**
   * On a relay's stream channel: whether the peer never processed the stream (it said GOAWAY with a
   * lower last-stream-id, or REFUSED_STREAM; RFC 9113 §6.8, §8.7), so that the request may be sent
   * again on another connection, whatever its method.
   */
  AttributeKey<BooleanSupplier> UNPROCESSED = AttributeKey.valueOf("nodemesh.relay.unprocessed");

  /** Whether {@code ch} is a relay stream its peer did not process (see {@link #UNPROCESSED}). */
  static boolean unprocessed(Channel ch) {
    BooleanSupplier s = ch.attr(UNPROCESSED).get();
    return s != null && s.getAsBoolean();
  }

  /**
   * Whether an exchange with {@code target} for a client at {@code source} would ride this relay
   * (not be dialled directly, nor refused): the exchange keeps a replay copy of its request only
   * then, for a stream the peer never processed ({@link #UNPROCESSED}).
   */
  boolean carries(Target target, InetAddress source);

  /**
   * A channel for one exchange with {@code target} whose pipeline {@code finish} completes, or null
   * to connect directly; a failed future when the endpoint may be reached only through a tunnel and
   * none can be had (strict mode: never plaintext).
   *
   * @param source the client's address (whose service account the tunnel presents)
   * @param listenerKey the listener the request came in on
   * @param loop the downstream channel's event loop, which the returned channel must share
   * @param finish adds the HTTP/1.x-object handlers at the end of the stream's pipeline
   */
  Future<Channel> open(
      Target target,
      InetAddress source,
      String listenerKey,
      EventLoop loop,
      Consumer<ChannelPipeline> finish);

  /**
   * A byte stream to {@code target} for one TCP connection (an HTTP/2 CONNECT stream through the
   * tunnel, RFC 9113 §8.5), or null to connect directly; a failed future as for {@link #open}, or
   * when the destination refuses. The future completes once the destination has connected to the
   * pod (its 2xx). The channel reads {@link io.netty.buffer.ByteBuf}s and fires {@link
   * io.netty.channel.socket.ChannelInputShutdownEvent} when the far side ended its output; writing
   * a {@link io.netty.handler.codec.http.LastHttpContent} ends this side's output (half-close).
   *
   * @param finish adds the byte handlers at the end of the stream's pipeline
   */
  Future<Channel> connect(
      Target target,
      InetAddress source,
      String listenerKey,
      EventLoop loop,
      Consumer<ChannelPipeline> finish);

  /**
   * As {@link #connect}, for a relayed TCP connection from {@code client}: when the pod's port
   * asked for a PROXY protocol v2 header ({@link Target#proxyProtocol}), the destination's proxy is
   * told the client's address and port, and writes the header before any client byte.
   */
  Future<Channel> connectTcp(
      Target target,
      InetSocketAddress client,
      String listenerKey,
      EventLoop loop,
      Consumer<ChannelPipeline> finish);
}
