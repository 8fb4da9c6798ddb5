package io.nodemesh.proxy.admit;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.proxy.acl.AccessGuard;
import io.nodemesh.proxy.limits.Limits;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.limits.RejectedRequest;
import io.nodemesh.proxy.limits.Rejections;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.metrics.RequestObservation;
import io.nodemesh.proxy.respond.Responses;
import io.nodemesh.proxy.routing.RequestTarget;
import io.nodemesh.proxy.routing.Route;
import java.net.InetAddress;
import java.util.function.Predicate;

/**
 * The admit stage: every check on a request, in one order, and one refusal path.
 *
 * <ol>
 *   <li>Limits: the handlers of {@code limits} have already checked the connection and the head as
 *       it was read (caps, deadlines, framing); {@link #head} takes their verdict, puts the request
 *       target in origin form and makes its path canonical; once the listener is known, {@link
 *       #listener} applies the Service's request rules.
 *   <li>ACL: in ACL mode, whether the caller may make this request, and to which pods.
 *   <li>Rate limit: the Service's token bucket, taken by the balance stage's pick only for a
 *       request that is to be forwarded (so a redirect or an injected abort takes no token); its
 *       refusal comes back here as a {@link Route.Reject}.
 *   <li>In-flight slot: one of the backend Service's slots ({@link #slot}).
 * </ol>
 *
 * A refused or denied caller therefore takes no rate-limit token, endpoint slot or circuit-breaker
 * probe. Every refusal is a {@link Refusal} and leaves through {@link #refuse}, which releases what
 * the request held, counts it, and makes the answer.
 */
public final class Admission {
  private final Limits limits;
  private final ProxyMetrics metrics;

  public Admission(Limits limits, ProxyMetrics metrics) {
    this.limits = limits;
    this.metrics = metrics;
  }

  /**
   * Limits on a decoded request head: the decoder's verdict, then the request target in origin
   * form, then the canonical path (in place, so routing, access control, logs and the backend see
   * one path).
   *
   * @return null when the request may go on, else its refusal
   */
  public Refusal head(HttpRequest request) {
    if (request.decoderResult().isFailure()) {
      // Counted by the request guard, which also chose the status (400, 414, 431, 505).
      RejectedRequest r = Rejections.classify(request.decoderResult().cause());
      return new Refusal(r.status(), r.getMessage(), null, r.reason(), true, true, null);
    }
    try {
      RequestTarget.toOriginForm(request);
    } catch (IllegalArgumentException e) {
      // An absolute-form authority with bytes no Host field may hold (a NUL, a space); found by
      // fuzzing (docs/reliability.md).
      return Refusal.malformed(
          HttpResponseStatus.BAD_REQUEST,
          "malformed request: the request target's authority is not a valid Host",
          null,
          RejectReason.BAD_REQUEST_LINE);
    }
    RejectedRequest refused = RequestRules.refuseHead(request);
    return refused == null
        ? null
        : Refusal.malformed(refused.status(), refused.getMessage(), null, refused.reason());
  }

  /** What {@link #listener} says: refused, or admitted to the pods it names. */
  public sealed interface Verdict {}

  /**
   * @param pods the pods whose service account allows the caller (ACL mode), or null for any
   */
  public record Admitted(Predicate<InetAddress> pods) implements Verdict {}

  /** The refusal as a verdict. */
  public record Refused(Refusal refusal) implements Verdict {}

  private static final Admitted ANY_POD = new Admitted(null);

  /**
   * The Service's request rules, then in ACL mode the access check for a client at {@code peer}
   * (the peer address, never a header, is the identity).
   *
   * @param path the canonical path, without the query
   */
  public static Verdict listener(
      CompiledListener listener, HttpRequest request, String path, InetAddress peer) {
    Refusal refused = RequestRules.refuseForListener(listener, request, path);
    if (refused != null) {
      return new Refused(refused);
    }
    AccessPolicy.Admission admitted = listener.access().admitHttp(peer, request, path);
    String denied = AccessGuard.deniedMessage(admitted);
    if (denied != null) {
      return new Refused(
          Refusal.of(new Route.Reject(HttpResponseStatus.FORBIDDEN, denied, listener)));
    }
    return admitted.pods() == null ? ANY_POD : new Admitted(admitted.pods());
  }

  /**
   * Takes an in-flight slot of the backend Service a request is forwarded to; the exchange gives it
   * back when it ends. Without a free slot the refusal carries the request's call, which {@link
   * #refuse} releases.
   *
   * @return null when the slot is taken, else the refusal
   */
  public Refusal slot(Route.Forward f) {
    String ns = f.listener().config().namespace();
    if (limits.tryAcquireUpstream(ns, f.service())) {
      return null;
    }
    return new Refusal(
        HttpResponseStatus.SERVICE_UNAVAILABLE,
        "service " + ns + "/" + f.service() + ": too many requests in flight",
        f.listener(),
        RejectReason.UPSTREAM_LIMIT,
        true,
        false,
        f.call());
  }

  /**
   * The one refusal path: releases the request and what it held, counts the refusal, observes it as
   * a request of its listener, and makes the one-line answer.
   *
   * @param source the caller's identity in ACL mode, or null
   * @param keepAlive whether the client asked to keep the connection (a refusal that closes it
   *     overrides)
   */
  public FullHttpResponse refuse(
      Refusal r, HttpRequest request, Channel channel, String source, boolean keepAlive) {
    if (r.call() != null) {
      r.call().done();
    }
    if (r.reason() != null && !r.counted()) {
      limits.rejections().count(r.reason());
    }
    RequestObservation o = metrics.startRequest(r.listener(), null, null, request, channel);
    if (r.status().code() == 403 || r.status().code() == 400) {
      // A denied or refused caller gets no source label of its own: that would be one more series
      // per caller the Service never served (docs/metrics.md). The log and the trace still say.
      o.unservedSource(source);
    } else {
      o.source(source);
    }
    o.end(r.status().code());
    ReferenceCountUtil.release(request);
    return Responses.text(channel.alloc(), r.status(), r.message(), keepAlive && !r.close());
  }
}
