package io.nodemesh.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.nodemesh.config.Scheme;
import io.nodemesh.proxy.balance.Call;
import io.nodemesh.proxy.balance.Target;
import io.nodemesh.proxy.metrics.RequestObservation;
import io.nodemesh.proxy.resilience.Failure;
import io.nodemesh.proxy.resilience.ReplayBuffer;
import io.nodemesh.proxy.route.CompiledRule;
import io.nodemesh.proxy.routing.Route;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One request and its response, streamed between a downstream connection and an upstream one
 * borrowed from the event loop's pool. Everything runs on the downstream channel's event loop.
 * Backpressure: a request chunk flushed upstream triggers the next downstream read, a response
 * chunk flushed downstream triggers the next upstream read.
 *
 * <p>The exchange is itself the listener of its writes, both ways ({@link #operationComplete}): no
 * listener object per request or per chunk.
 */
public final class Exchange implements ChannelFutureListener {
  private final Downstream owner;
  private final ChannelHandlerContext down;
  private final HttpProxyContext context;
  private final Route.Forward route;
  private final boolean clientKeepAlive;
  private final HttpVersion clientVersion;
  private final boolean head;
  private final RequestObservation observation;
  // What waits for the upstream connection, in order: the first part in a field (a GET that finds a
  // pooled connection waits for nothing else), the rest in a queue made when needed.
  private HttpObject pendingFirst;
  private ArrayDeque<HttpObject> pendingRest;
  private final Scheme scheme;
  private boolean upgrade;
  // The Upgrade value forwarded and what allowed it (upgrade requests only).
  private String upgradeTo;
  private TunnelGrant grant;
  private final DeadlineTimer timeout;
  private ScheduledFuture<?> retryTimer;
  private final Call call;
  private final CompiledRule rule;
  private MirrorCopy mirror;
  private long notBefore;
  private boolean delayed;
  private final ReplayBuffer replay;
  private boolean unprocessedRetried;
  private long deadline = Long.MAX_VALUE;
  private int attempt;
  private UpstreamPool pool;
  private Channel up;
  private UpstreamHandler upHandler;
  private boolean requestComplete;
  private boolean responseStarted;
  private boolean informational;
  private boolean downFlushPending;
  private boolean chunkedRequest;
  private boolean upstreamKeepAlive;
  private boolean downstreamKeepAlive;
  private boolean done;
  private int status = 502;

  public Exchange(
      Downstream owner,
      ChannelHandlerContext down,
      HttpProxyContext context,
      Route.Forward route,
      HttpRequest request) {
    this.owner = owner;
    this.timeout = owner.deadlineTimer();
    this.down = down;
    this.context = context;
    this.route = route;
    this.clientKeepAlive = HttpUtil.isKeepAlive(request);
    this.clientVersion = request.protocolVersion();
    this.head = HttpMethod.HEAD.equals(request.method());
    this.scheme = route.listener().config().policy().scheme();
    this.observation =
        context
            .metrics()
            .startRequest(
                route.listener(), route.service(), route.target(), request, down.channel());
    this.call = route.call();
    this.rule = route.rule();
    if (rule != null && rule.meter() != null) {
      observation.route(rule.meter());
    }
    // Kept for an exchange that rides a tunnel too: a stream its peer did not process is sent
    // again. A call may pick another endpoint per attempt, so its exchanges keep one on any proxy
    // with a tunnel; without one the endpoint is the route's.
    UpstreamRelay relay = context.relay();
    this.replay =
        (call != null && (call.wantsReplay() || relay != null))
                || (call == null
                    && relay != null
                    && relay.carries(
                        route.target(),
                        down.channel().remoteAddress() instanceof InetSocketAddress a
                            ? a.getAddress()
                            : null))
            ? new ReplayBuffer()
            : null;
    context.inFlightCounter().incrementAndGet();
  }

  /** The caller's service account as ACL mode resolved it, or null (metrics label, access log). */
  public void source(String serviceAccount) {
    observation.source(serviceAccount);
  }

  public boolean requestComplete() {
    return requestComplete;
  }

  public void start(HttpRequest request) {
    long delay = rule == null || rule.fault() == null ? 0 : rule.fault().delayNanos();
    if (delay > 0) {
      notBefore = System.nanoTime() + delay;
      delayed = true;
    }
    if (scheme != Scheme.H2C && Tunnel.isUpgradeRequest(request, down.channel())) {
      upgradeTo =
          UpgradeTokens.allowed(
              request.headers(), route.listener().config().policy().connections());
      upgrade = upgradeTo != null;
      grant = upgrade ? TunnelGrant.of(route.listener(), request, down.channel()) : null;
    }
    boolean trailers = scheme != Scheme.HTTP && ForwardingHeaders.acceptsTrailers(request);
    // The framing as prepared for the next hop, read once (each read is a scan of the header map).
    chunkedRequest = ForwardingHeaders.prepareRequest(request, owner.client());
    request.headers().remove(UpgradeTokens.HTTP2_SETTINGS);
    if (upgrade) {
      // The one hop-by-hop pair a proxy passes on: it relays the tunnel itself (RFC 9110 §7.8).
      request.headers().set(HttpHeaderNames.UPGRADE, upgradeTo);
      request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }
    if (trailers) {
      // gRPC servers require "te: trailers" (the one TE value HTTP/2 allows, RFC 9113 §8.2.2).
      request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
    }
    observation.inject(request.headers());
    if (rule != null && rule.mirrors().length > 0 && !upgrade) {
      // Copied as forwarded, before the write upstream gives the body's buffers back. An upgrade
      // is not mirrored: its copy would be a second tunnel.
      mirror =
          MirrorCopy.start(
              rule, request, context, down.channel(), scheme, route.listener().config().key());
    }
    if (request instanceof HttpContent c) {
      observation.requestBytes(c.content().readableBytes());
    }
    requestComplete = request instanceof LastHttpContent;
    if (requestComplete) {
      startTimeout();
    }
    if (replay != null) {
      replay.add(request);
    }
    queue(request);
    pool = context.pool(down.channel().eventLoop());
    if (delayed) {
      // An injected delay (issue 17): the request waits here, its body queued as for a slow
      // connect; the request timeout starts after it (see startTimeout).
      retryTimer =
          down.executor()
              .schedule(this::retry, notBefore - System.nanoTime(), TimeUnit.NANOSECONDS);
      return;
    }
    startAttempt();
  }

  /** The endpoint of the current attempt. */
  private Target target() {
    return call != null ? call.target() : route.target();
  }

  private void startAttempt() {
    int current = ++attempt;
    long connectMillis = context.settings().connectTimeout().toMillis();
    Target endpoint = target();
    observation.endpoint(endpoint);
    Future<Channel> acquired = viaRelay(endpoint);
    if (acquired == null) {
      acquired =
          pool.acquire(
              endpoint,
              scheme,
              call == null ? connectMillis : call.connectTimeoutMillis(connectMillis));
    }
    if (acquired.isDone()) {
      acquired(acquired, current);
    } else {
      acquired.addListener(f -> acquired(f, current));
    }
  }

  /**
   * A stream through the node-to-node tunnel when the endpoint's pod is on another node, or null.
   * Plain-HTTP and h2c (gRPC) backends ride it, one tunnel stream per request, which the
   * destination matches and sends on in the scheme its own table names (HTTP/1.1 or h2c); https
   * backends ride a CONNECT stream with their own TLS inside ({@link UpstreamPool#viaTunnel}). An
   * upgrade request goes on a CONNECT stream, as bytes to the pod: HTTP/2 has no {@code Upgrade}
   * (RFC 9113 §8.2.2), and after the {@code 101} the stream carries the upgraded connection.
   */
  private Future<Channel> viaRelay(Target endpoint) {
    UpstreamRelay relay = context.relay();
    if (relay == null) {
      return null;
    }
    InetAddress client =
        down.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    String listener = route.listener().config().key();
    var loop = down.channel().eventLoop();
    return upgrade && scheme != Scheme.HTTPS
        ? relay.connect(endpoint, client, listener, loop, pool::addHttp1Handlers)
        : pool.viaTunnel(endpoint, scheme, client, listener);
  }

  private void acquired(Future<? super Channel> f, int forAttempt) {
    if (done || forAttempt != attempt) {
      if (f.isSuccess()) {
        ((Channel) f.getNow()).close();
      }
      return;
    }
    if (f.isSuccess()) {
      attach((Channel) f.getNow());
    } else {
      route.listener().metrics().connectError(route.service());
      attemptFailed(Failure.CONNECT, "connect failed: " + describe(f.cause()));
    }
  }

  /**
   * The current attempt failed before a response reached the client: retry when the {@link Call}
   * allows it, else answer with an error.
   */
  private void attemptFailed(Failure failure, String reason) {
    if (call != null) {
      boolean unsent = up == null;
      boolean replayable = unsent || (replay != null && replay.complete());
      long delay = call.retryAfter(failure, replayable, deadline, System.nanoTime());
      if (delay >= 0) {
        scheduleRetry(delay, unsent);
        return;
      }
    }
    fail(
        failure == Failure.TIMEOUT
            ? HttpResponseStatus.GATEWAY_TIMEOUT
            : HttpResponseStatus.BAD_GATEWAY,
        reason);
  }

  /**
   * Drops the failed attempt's upstream and sends the request again after {@code delayNanos}: what
   * is still pending when nothing was sent, else the replay copy.
   */
  private void scheduleRetry(long delayNanos, boolean unsent) {
    closeUpstream();
    up = null;
    upHandler = null;
    if (!unsent) {
      for (HttpObject copy : replay.copies()) {
        queue(copy);
      }
    }
    observation.retried();
    retryTimer = down.executor().schedule(this::retry, delayNanos, TimeUnit.NANOSECONDS);
  }

  private void retry() {
    if (done) {
      return;
    }
    startAttempt();
    if (requestComplete) {
      armTimer();
    }
  }

  private void attach(Channel ch) {
    up = ch;
    upHandler = ch.pipeline().get(UpstreamHandler.class);
    upHandler.attach(this);
    HttpObject o;
    while ((o = nextPending()) != null) {
      if (noPending()) {
        up.writeAndFlush(o).addListener(this);
      } else {
        // A failure closes the connection, which the upstream handler reports.
        up.write(o, up.voidPromise());
      }
    }
    up.read();
  }

  public void onRequestContent(HttpContent content) {
    if (content instanceof LastHttpContent && !requestComplete) {
      requestComplete = true;
      if (!done && !responseStarted) {
        startTimeout();
      }
    }
    if (done) {
      content.release();
      return;
    }
    if (content.decoderResult().isFailure()) {
      content.release();
      abort();
      return;
    }
    observation.requestBytes(content.content().readableBytes());
    if (mirror != null) {
      mirror.add(content);
    }
    if (replay != null) {
      replay.add(content);
    }
    if (up == null) {
      queue(content);
    } else if (content == LastHttpContent.EMPTY_LAST_CONTENT && !chunkedRequest) {
      // The end of a request without a body (every GET): no bytes to send and nothing to wait
      // for, but the encoder must see it to close the message. No promise, no flush. (The end of
      // a chunked body is the bytes of the last chunk: those are flushed like any content.) On an
      // HTTP/2 stream it is an empty DATA frame with END_STREAM (RFC 9113 §8.1), which must be
      // flushed, or the request never ends (a GET whose end arrives after the stream opened).
      if (Http2Upstream.isStream(up)) {
        up.writeAndFlush(content, up.voidPromise());
      } else {
        up.write(content, up.voidPromise());
      }
    } else {
      up.writeAndFlush(content).addListener(this);
    }
  }

  /**
   * A write of this exchange has completed: a response part written downstream, or a request part
   * written upstream.
   */
  @Override
  public void operationComplete(ChannelFuture f) {
    if (done) {
      return;
    }
    if (f.channel() == down.channel()) {
      if (!f.isSuccess()) {
        abort();
      } else {
        up.read();
      }
      return;
    }
    afterRequestWrite(f);
  }

  private void afterRequestWrite(ChannelFuture f) {
    if (f.channel() != up) {
      // A write to the upstream of an attempt that has since failed and been retried.
      return;
    }
    if (!f.isSuccess()) {
      onUpstreamClosed(f.cause());
      return;
    }
    if (!requestComplete) {
      down.read();
    }
  }

  void onUpstreamRead(HttpObject msg) {
    if (done) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg.decoderResult().isFailure()) {
      // Also a body cut short: the decoder ends it with a failed last chunk on a premature close.
      ReferenceCountUtil.release(msg);
      onUpstreamClosed(msg.decoderResult().cause());
      return;
    }
    if (msg instanceof HttpResponse r) {
      int code = r.status().code();
      // 1xx interim responses (100 Continue, 103 Early Hints) precede the final one (RFC 9110
      // §15.2).
      informational = code >= 100 && code < 200 && code != 101;
      if (informational) {
        ForwardingHeaders.stripHopByHop(r.headers());
      } else if (code == 101) {
        String to = r.headers().get(HttpHeaderNames.UPGRADE);
        if (!upgrade || !UpgradeTokens.offered(upgradeTo, to)) {
          ReferenceCountUtil.release(msg);
          onUpstreamClosed(
              new IllegalStateException("101 Switching Protocols to a protocol not offered"));
          return;
        }
        if (call != null) {
          call.responded(code, System.nanoTime());
        }
        responseStarted = true;
        timeout.disarm(this);
        status = code;
        String protocol = r.headers().get(HttpHeaderNames.UPGRADE);
        ForwardingHeaders.stripHopByHop(r.headers());
        r.headers()
            .set(HttpHeaderNames.UPGRADE, protocol == null ? "" : protocol)
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      } else {
        if (call != null && !finalResponse(code, msg)) {
          return;
        }
        responseStarted = true;
        timeout.disarm(this);
        status = code;
        upstreamKeepAlive = HttpUtil.isKeepAlive(r);
        downstreamKeepAlive =
            ForwardingHeaders.prepareResponse(
                r, clientKeepAlive && requestComplete, clientVersion, head);
        if (rule != null) {
          rule.editResponse(r.headers());
        }
      }
    }
    if (!informational) {
      observation.response(msg);
    }
    boolean endsInterim = informational && msg instanceof LastHttpContent;
    boolean last = msg instanceof LastHttpContent && !informational;
    if (endsInterim) {
      informational = false;
    }
    if ((informational || endsInterim) && !clientVersion.equals(HttpVersion.HTTP_1_1)) {
      // A server must not send a 1xx response to an HTTP/1.0 client (RFC 9110 §15.2).
      ReferenceCountUtil.release(msg);
      up.read();
      return;
    }
    if (last) {
      // Flushes whatever this response wrote before too. Nobody waits on this write: a failure
      // reaches the downstream pipeline's exceptionCaught, which closes the connection.
      downFlushPending = false;
      down.writeAndFlush(msg, down.voidPromise());
      if (status == 101) {
        switchProtocols();
      } else {
        finish();
      }
      return;
    }
    // Flushed with the last part, or when this read from the upstream ends: a head and its body
    // usually arrive in one read, and one flush sends both (on HTTP/2 one pass of the flow
    // controller instead of two).
    down.write(msg).addListener(this);
    downFlushPending = true;
  }

  /**
   * Feeds a final response head to the call; a 502, 503 or 504 that the call retries is dropped
   * with its connection.
   *
   * @return true when the response goes on to the client
   */
  private boolean finalResponse(int code, HttpObject msg) {
    long now = System.nanoTime();
    if (!call.retriesStatus(code)) {
      call.responded(code, now);
      return true;
    }
    boolean replayable = replay != null && replay.complete();
    long delay = call.retryAfter(Failure.STATUS, replayable, deadline, now);
    if (delay < 0) {
      return true;
    }
    ReferenceCountUtil.release(msg);
    scheduleRetry(delay, false);
    return false;
  }

  /** The upstream channel's read batch has ended: sends what this exchange wrote downstream. */
  void onUpstreamReadComplete() {
    if (downFlushPending) {
      downFlushPending = false;
      down.flush();
    }
  }

  void onUpstreamClosed(Throwable cause) {
    if (done) {
      return;
    }
    if (!responseStarted) {
      if (!unprocessedRetried
          && up != null
          && UpstreamRelay.unprocessed(up)
          && replay != null
          && replay.complete()) {
        // The peer never processed the stream (RFC 9113 §6.8): once, on a new connection, for any
        // method; a stream it processed and then lost is not sent again.
        unprocessedRetried = true;
        scheduleRetry(0, false);
        return;
      }
      attemptFailed(
          Failure.RESET, cause == null ? "connection closed before the response" : describe(cause));
    } else {
      abort();
    }
  }

  public void onDownstreamClosed() {
    if (done) {
      return;
    }
    end();
    closeUpstream();
  }

  /** The request timeout or the current try's has passed ({@link DeadlineTimer}). */
  void onTimeout() {
    if (done) {
      return;
    }
    if (responseStarted) {
      abort();
      return;
    }
    long now = System.nanoTime();
    if (now - deadline >= 0) {
      if (call != null) {
        call.failed(Failure.TIMEOUT, now);
      }
      fail(
          HttpResponseStatus.GATEWAY_TIMEOUT,
          "no response within " + requestTimeoutNanos() / 1_000_000 + " ms");
    } else {
      attemptFailed(
          Failure.TIMEOUT,
          "no response within " + call.perTryTimeoutNanos() / 1_000_000 + " ms (per try)");
    }
  }

  private long requestTimeoutNanos() {
    long fallback = context.settings().requestTimeout().toNanos();
    return call == null ? fallback : call.requestTimeoutNanos(fallback);
  }

  /**
   * The request timeout runs from the end of the request to the response head, retries included: a
   * long upload or a long download is not a hung backend, silence after a complete request is.
   */
  private void startTimeout() {
    long now = System.nanoTime();
    deadline = (delayed && notBefore - now > 0 ? notBefore : now) + requestTimeoutNanos();
    armTimer();
  }

  /** Fires at the request deadline, or earlier at the end of the current try's own timeout. */
  private void armTimer() {
    long delay = deadline - System.nanoTime();
    long perTry = call == null ? 0 : call.perTryTimeoutNanos();
    long waiting = delayed ? notBefore - System.nanoTime() : 0;
    if (perTry > 0 && waiting > 0) {
      // The first try starts after an injected delay.
      perTry += waiting;
    }
    if (perTry > 0 && perTry < delay) {
      delay = perTry;
    }
    timeout.arm(this, delay);
  }

  private void finish() {
    end();
    observation.end(status);
    upHandler.detach();
    pool.release(UpstreamPool.key(target(), scheme), up, upstreamKeepAlive && requestComplete);
    owner.exchangeDone(this, downstreamKeepAlive && requestComplete);
  }

  /**
   * The backend accepted the upgrade: from now on both connections carry opaque bytes, relayed by a
   * {@link Tunnel} until either side closes. The exchange ends here; the tunnel is not a request.
   */
  private void switchProtocols() {
    end();
    observation.end(status);
    upHandler.detach();
    owner.exchangeUpgraded(this);
    Tunnel.splice(down.channel(), up, grant);
  }

  private void fail(HttpResponseStatus failure, String reason) {
    end();
    status = failure.code();
    observation.end(status);
    closeUpstream();
    var l = route.listener().config();
    String line =
        failure.reasonPhrase().toLowerCase(java.util.Locale.ROOT)
            + ": service "
            + l.namespace()
            + "/"
            + route.service()
            + " endpoint "
            + target().authority()
            + ": "
            + reason;
    owner.exchangeFailed(this, failure, line, clientKeepAlive && requestComplete);
  }

  private void abort() {
    if (downFlushPending) {
      // What the client already has a part of goes out before the close that cuts it short.
      downFlushPending = false;
      down.flush();
    }
    end();
    observation.end(status);
    closeUpstream();
    owner.exchangeAborted(this);
  }

  private void end() {
    done = true;
    context.limits().releaseUpstream(route.listener().config().namespace(), route.service());
    timeout.disarm(this);
    if (retryTimer != null) {
      retryTimer.cancel(false);
    }
    if (call != null) {
      call.done();
    }
    if (replay != null) {
      replay.release();
    }
    if (mirror != null) {
      mirror.abandon();
    }
    context.inFlightCounter().decrementAndGet();
    HttpObject o;
    while ((o = nextPending()) != null) {
      ReferenceCountUtil.release(o);
    }
  }

  private void queue(HttpObject o) {
    if (noPending()) {
      pendingFirst = o;
      return;
    }
    if (pendingRest == null) {
      pendingRest = new ArrayDeque<>(4);
    }
    pendingRest.add(o);
  }

  private HttpObject nextPending() {
    HttpObject o = pendingFirst;
    if (o != null) {
      pendingFirst = null;
      return o;
    }
    return pendingRest == null ? null : pendingRest.poll();
  }

  private boolean noPending() {
    return pendingFirst == null && (pendingRest == null || pendingRest.isEmpty());
  }

  private void closeUpstream() {
    if (upHandler != null) {
      upHandler.detach();
    }
    if (up != null) {
      up.close();
    }
  }

  private static String describe(Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return m == null ? root.getClass().getSimpleName() : m.replace('\n', ' ');
  }
}
