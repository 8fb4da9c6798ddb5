package io.nodemesh.proxy.limits;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.Objects;

/**
 * The limits of one node proxy and the handlers that enforce them; shared by every HTTP connection.
 * The HTTP pipeline adds the handlers of {@link #downstream} to each connection and {@link
 * #responseGuard()} to each upstream connection; the admit stage asks {@link #tryAcquireUpstream}
 * before forwarding.
 */
public final class Limits {
  public static final String CONNECTION_LIMIT = "connection-limit";
  public static final String HEAD_START = "head-start";
  public static final String REQUEST_GUARD = "request-guard";
  public static final String RESPONSE_GUARD = "response-guard";
  public static final String WEBSOCKET_LIMIT = "websocket-limit";
  public static final String HTTP2_HEAD_DEADLINE = "h2-head-deadline";
  public static final String HTTP2_STREAM_ERRORS = "h2-stream-errors";

  private final LimitSettings settings;
  private final Rejections rejections;
  private final ConnectionLimiter connections;
  private final ResponseGuard responseGuard;
  private final UpstreamLimiter upstreams;
  private final ChannelGroup downstream =
      new DefaultChannelGroup("nodemesh-http-downstream", GlobalEventExecutor.INSTANCE);
  private volatile boolean draining;

  public Limits(LimitSettings settings, MeterRegistry registry) {
    this.settings = Objects.requireNonNull(settings, "limit settings");
    this.rejections = new Rejections(registry);
    this.connections = new ConnectionLimiter(settings.maxConnectionsPerListener(), rejections);
    this.responseGuard = new ResponseGuard(rejections);
    this.upstreams = new UpstreamLimiter(settings.maxRequestsPerUpstream());
  }

  public LimitSettings settings() {
    return settings;
  }

  public Rejections rejections() {
    return rejections;
  }

  /** The request decoder's size limits. */
  public HttpDecoderConfig decoderConfig() {
    return new HttpDecoderConfig()
        .setMaxInitialLineLength(settings.maxRequestLineLength())
        .setMaxHeaderSize(settings.maxHeaderSize());
  }

  /**
   * The checks of one downstream HTTP/1.1 connection, which the pipeline holds in this order: the
   * connection cap first, the head-start probe just before the HTTP/1.1 codec, the request guard
   * just after it ({@code accept.HttpProxyInitializer} adds them).
   *
   * @param headStart sees the first byte of each request head and starts its read deadline
   * @param requestGuard the head and body deadlines, framing and size checks, drain
   */
  public record DownstreamChecks(
      ChannelHandler connectionLimit, ChannelHandler headStart, ChannelHandler requestGuard) {}

  /** The checks of a new downstream connection, which is tracked for drain from now on. */
  public DownstreamChecks downstream(Channel ch) {
    RequestGuard guard = new RequestGuard(settings, rejections, draining);
    downstream.add(ch);
    return new DownstreamChecks(connections, guard.headStart(), guard);
  }

  /**
   * The frame codec of a downstream HTTP/2 connection. It advertises the header size limit as
   * {@code SETTINGS_MAX_HEADER_LIST_SIZE} (RFC 9113 §6.5.2), answers a larger header list with 431
   * and RST_STREAM, and counts the stream errors it answers.
   *
   * @param maxConcurrentStreams the {@code SETTINGS_MAX_CONCURRENT_STREAMS} to advertise
   * @param gracefulShutdownMillis how long closing waits for open streams
   */
  public Http2FrameCodec http2FrameCodec(long maxConcurrentStreams, long gracefulShutdownMillis) {
    return new Http2Codec.Builder(rejections)
        .initialSettings(
            Http2Settings.defaultSettings()
                .maxConcurrentStreams(maxConcurrentStreams)
                .maxHeaderListSize(settings.maxHeaderSize()))
        .gracefulShutdownTimeoutMillis(gracefulShutdownMillis)
        .build();
  }

  /**
   * Guards a connection that has just become HTTP/2: the request-head deadline goes in front of its
   * frame codec, and every GOAWAY the codec sends is counted ({@link #countHttp2GoAway}).
   */
  public void installHttp2Connection(ChannelPipeline p) {
    Http2FrameCodec codec = p.get(Http2FrameCodec.class);
    if (codec == null) {
      return;
    }
    Http2HeadDeadline deadline = new Http2HeadDeadline(settings, rejections);
    String name = p.context(codec).name();
    p.addBefore(name, HTTP2_HEAD_DEADLINE, deadline);
    p.addAfter(name, HTTP2_STREAM_ERRORS, Http2StreamErrors.INSTANCE);
    // Every connection error ends in a GOAWAY with its code, whichever side detected it (a flood
    // is found by the encoder, a bad frame by the decoder): count it there. A late head was
    // counted as such by the deadline that sent the GOAWAY.
    codec
        .connection()
        .addListener(
            new Http2ConnectionAdapter() {
              @Override
              public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
                if (!deadline.timedOut()) {
                  countHttp2GoAway(errorCode);
                }
              }
            });
  }

  /**
   * The per-stream request checks (header count and values, body stalls) of one HTTP/2 stream, run
   * on its frames before they become HTTP objects.
   */
  public Http2StreamGuard http2StreamGuard() {
    return new Http2StreamGuard(settings, rejections);
  }

  /** The handler that goes right after an upstream connection's HTTP client codec. */
  public ChannelHandler responseGuard() {
    return responseGuard;
  }

  /**
   * Takes one in-flight slot of a backend Service; false (counted) when it has none left. Every
   * true must be paired with one {@link #releaseUpstream}.
   */
  public boolean tryAcquireUpstream(String namespace, String service) {
    if (upstreams.tryAcquire(namespace, service)) {
      return true;
    }
    rejections.count(RejectReason.UPSTREAM_LIMIT);
    return false;
  }

  /**
   * Counts a GOAWAY sent to a downstream HTTP/2 peer: nothing for {@code NO_ERROR} (a drain or an
   * idle close), {@code http2_abuse} for {@code ENHANCE_YOUR_CALM}, else {@code
   * http2_protocol_error}.
   */
  public void countHttp2GoAway(long errorCode) {
    if (errorCode == Http2Error.NO_ERROR.code()) {
      return;
    }
    rejections.count(
        errorCode == Http2Error.ENHANCE_YOUR_CALM.code()
            ? RejectReason.HTTP2_ABUSE
            : RejectReason.HTTP2_PROTOCOL_ERROR);
  }

  public void releaseUpstream(String namespace, String service) {
    upstreams.release(namespace, service);
  }

  /** Requests in flight to a backend Service. */
  public int upstreamInFlight(String namespace, String service) {
    return upstreams.inFlight(namespace, service);
  }

  /**
   * Starts a graceful drain: idle downstream connections close now, busy ones after their response,
   * which carries {@code Connection: close}. Call after the listeners stopped accepting.
   */
  public void drain() {
    draining = true;
    for (Channel ch : downstream) {
      drain(ch);
    }
  }

  /**
   * Drains one downstream connection as {@link #drain()} does (its listener was removed in ACL
   * mode): HTTP/2 gets GOAWAY, HTTP/1.1 closes when idle or after the response in progress, which
   * carries {@code Connection: close}.
   */
  public void drain(Channel ch) {
    Http2FrameCodec h2 = ch.pipeline().get(Http2FrameCodec.class);
    if (h2 != null) {
      Http2Drain.start(ch, h2);
    } else {
      ch.pipeline().fireUserEventTriggered(RequestGuard.DRAIN);
    }
  }

  /** Open downstream HTTP connections. */
  public int openConnections() {
    return downstream.size();
  }

  /** Open connections on one listener's proxy port. */
  public int openConnections(int proxyPort) {
    return connections.open(proxyPort);
  }
}
