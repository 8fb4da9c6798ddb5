package io.nodemesh.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
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
import io.nodemesh.proxy.balance.Target;
import io.nodemesh.proxy.resilience.Call;
import io.nodemesh.proxy.resilience.Failure;
import io.nodemesh.proxy.resilience.ReplayBuffer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One request and its response, streamed between a downstream connection and an upstream one
 * borrowed from the event loop's pool. Everything runs on the downstream channel's event loop.
 * Backpressure: a request chunk flushed upstream triggers the next downstream read, a response
 * chunk flushed downstream triggers the next upstream read.
 */
final class Exchange {
  private final DownstreamHandler owner;
  private final ChannelHandlerContext down;
  private final HttpProxyContext context;
  private final Route.Forward route;
  private final boolean clientKeepAlive;
  private final HttpVersion clientVersion;
  private final boolean head;
  private final long startNanos = System.nanoTime();
  private final ArrayDeque<HttpObject> pending = new ArrayDeque<>();
  private ScheduledFuture<?> timeout;
  private ScheduledFuture<?> retryTimer;
  private final Call call;
  private final ReplayBuffer replay;
  private long deadline = Long.MAX_VALUE;
  private int attempt;
  private UpstreamPool pool;
  private Channel up;
  private UpstreamHandler upHandler;
  private boolean requestComplete;
  private boolean responseStarted;
  private boolean informational;
  private boolean upstreamKeepAlive;
  private boolean downstreamKeepAlive;
  private boolean done;
  private int status = 502;

  Exchange(
      DownstreamHandler owner,
      ChannelHandlerContext down,
      HttpProxyContext context,
      Route.Forward route,
      HttpRequest request) {
    this.owner = owner;
    this.down = down;
    this.context = context;
    this.route = route;
    this.clientKeepAlive = HttpUtil.isKeepAlive(request);
    this.clientVersion = request.protocolVersion();
    this.head = HttpMethod.HEAD.equals(request.method());
    this.call = route.call();
    this.replay = call != null && call.wantsReplay() ? new ReplayBuffer() : null;
    context.inFlightCounter().incrementAndGet();
  }

  boolean requestComplete() {
    return requestComplete;
  }

  void start(HttpRequest request) {
    ForwardingHeaders.prepareRequest(request, peer(down.channel()));
    requestComplete = request instanceof LastHttpContent;
    if (requestComplete) {
      startTimeout();
    }
    if (replay != null) {
      replay.add(request);
    }
    pending.add(request);
    pool = context.pool(down.channel().eventLoop());
    startAttempt();
  }

  /** The endpoint of the current attempt. */
  private Target target() {
    return call != null ? call.target() : route.target();
  }

  private void startAttempt() {
    int current = ++attempt;
    Target target = target();
    Channel pooled = pool.acquire(target.authority());
    if (pooled != null) {
      attach(pooled);
      return;
    }
    context.metrics().upstreamOpened();
    long connectMillis = context.settings().connectTimeout().toMillis();
    pool.connect(target.address(), call == null ? connectMillis : call.connectTimeoutMillis(connectMillis))
        .addListener(
            (ChannelFuture f) -> {
              if (done || current != attempt) {
                if (f.isSuccess()) {
                  f.channel().close();
                }
                return;
              }
              if (f.isSuccess()) {
                attach(f.channel());
              } else {
                attemptFailed(Failure.CONNECT, "connect failed: " + describe(f.cause()));
              }
            });
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
        closeUpstream();
        up = null;
        upHandler = null;
        if (!unsent) {
          pending.addAll(replay.copies());
        }
        retryTimer = down.executor().schedule(this::retry, delay, TimeUnit.NANOSECONDS);
        return;
      }
    }
    fail(
        failure == Failure.TIMEOUT ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
        reason);
  }

  private void retry() {
    if (done) {
      return;
    }
    route.listener().metrics().retried();
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
    while ((o = pending.poll()) != null) {
      if (pending.isEmpty()) {
        up.writeAndFlush(o).addListener(this::afterRequestWrite);
      } else {
        up.write(o);
      }
    }
    up.read();
  }

  void onRequestContent(HttpContent content) {
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
    if (replay != null) {
      replay.add(content);
    }
    if (up == null) {
      pending.add(content);
    } else {
      up.writeAndFlush(content).addListener(this::afterRequestWrite);
    }
  }

  private void afterRequestWrite(Future<? super Void> f) {
    if (done) {
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
    if (msg instanceof HttpResponse r) {
      if (r.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        onUpstreamClosed(r.decoderResult().cause());
        return;
      }
      int code = r.status().code();
      // 1xx interim responses (100 Continue, 103 Early Hints) precede the final one (RFC 9110
      // §15.2).
      informational = code >= 100 && code < 200 && code != 101;
      if (informational) {
        ForwardingHeaders.stripHopByHop(r.headers());
      } else {
        if (call != null && !retryableStatus(code, msg)) {
          return;
        }
        responseStarted = true;
        if (timeout != null) {
          timeout.cancel(false);
        }
        status = code;
        upstreamKeepAlive = HttpUtil.isKeepAlive(r);
        downstreamKeepAlive =
            ForwardingHeaders.prepareResponse(
                r, clientKeepAlive && requestComplete, clientVersion, head);
      }
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
    ChannelFuture written = down.writeAndFlush(msg);
    if (last) {
      finish();
      return;
    }
    written.addListener(
        f -> {
          if (done) {
            return;
          }
          if (!f.isSuccess()) {
            abort();
          } else {
            up.read();
          }
        });
  }

  /**
   * Feeds a final response head to the call; for a 502, 503 or 504 that the call retries, drops
   * the response and its connection.
   *
   * @return true when the response goes to the client
   */
  private boolean retryableStatus(int code, HttpObject msg) {
    long now = System.nanoTime();
    if (code == 502 || code == 503 || code == 504) {
      boolean replayable = replay != null && replay.complete();
      long delay = call.retryAfter(Failure.STATUS, replayable, deadline, now);
      if (delay >= 0) {
        ReferenceCountUtil.release(msg);
        closeUpstream();
        up = null;
        upHandler = null;
        pending.addAll(replay.copies());
        retryTimer = down.executor().schedule(this::retry, delay, TimeUnit.NANOSECONDS);
        return false;
      }
      return true;
    }
    call.responded(code, now);
    return true;
  }

  void onUpstreamClosed(Throwable cause) {
    if (done) {
      return;
    }
    if (!responseStarted) {
      attemptFailed(
          Failure.RESET,
          cause == null ? "connection closed before the response" : describe(cause));
    } else {
      abort();
    }
  }

  void onDownstreamClosed() {
    if (done) {
      return;
    }
    end();
    closeUpstream();
  }

  private void onTimeout() {
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
   * The request timeout runs from the end of the request to the response head, retries included:
   * a long upload or a long download is not a hung backend, silence after a complete request is.
   */
  private void startTimeout() {
    deadline = System.nanoTime() + requestTimeoutNanos();
    armTimer();
  }

  /** Fires at the request deadline, or earlier at the end of the current try's own timeout. */
  private void armTimer() {
    if (timeout != null) {
      timeout.cancel(false);
    }
    long delay = deadline - System.nanoTime();
    long perTry = call == null ? 0 : call.perTryTimeoutNanos();
    if (perTry > 0 && perTry < delay) {
      delay = perTry;
    }
    timeout = down.executor().schedule(this::onTimeout, Math.max(0, delay), TimeUnit.NANOSECONDS);
  }

  private void finish() {
    end();
    route.listener().metrics().record(status, System.nanoTime() - startNanos);
    upHandler.detach();
    if (upstreamKeepAlive && requestComplete) {
      pool.release(target().authority(), up);
    } else {
      up.close();
    }
    owner.exchangeDone(this, downstreamKeepAlive && requestComplete);
  }

  private void fail(HttpResponseStatus failure, String reason) {
    end();
    status = failure.code();
    route.listener().metrics().record(status, System.nanoTime() - startNanos);
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
    end();
    route.listener().metrics().record(status, System.nanoTime() - startNanos);
    closeUpstream();
    owner.exchangeAborted(this);
  }

  private void end() {
    done = true;
    if (timeout != null) {
      timeout.cancel(false);
    }
    if (retryTimer != null) {
      retryTimer.cancel(false);
    }
    if (call != null) {
      call.done();
    }
    if (replay != null) {
      replay.release();
    }
    context.inFlightCounter().decrementAndGet();
    HttpObject o;
    while ((o = pending.poll()) != null) {
      ReferenceCountUtil.release(o);
    }
  }

  private void closeUpstream() {
    if (upHandler != null) {
      upHandler.detach();
    }
    if (up != null) {
      up.close();
    }
  }

  private static InetAddress peer(Channel ch) {
    return ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
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
