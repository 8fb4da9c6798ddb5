package io.nodemesh.proxy.upstream;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The downstream side an {@link Exchange} reports to: the handler that runs one request at a time
 * on a client connection or HTTP/2 stream ({@code decode.DownstreamHandler}). An interface here, so
 * that the upstream stage never imports the decode stage above it.
 */
public interface Downstream {
  /** The downstream handler's name in a connection's pipeline; a tunnel takes its place. */
  String HANDLER = "proxy";

  /** The client as the forwarding headers name it, or null when unknown. */
  ForwardingHeaders.Client client();

  /** The request-timeout timer the connection's exchanges share, one exchange at a time. */
  DeadlineTimer deadlineTimer();

  /** The exchange has forwarded the whole response. */
  void exchangeDone(Exchange e, boolean keepAlive);

  /** The exchange failed before any response was sent; answer with a one-line error. */
  void exchangeFailed(Exchange e, HttpResponseStatus status, String message, boolean keepAlive);

  /** The exchange switched protocols: the connection is a tunnel now. */
  void exchangeUpgraded(Exchange e);

  /** The exchange failed after part of the response was sent: only a close can tell the client. */
  void exchangeAborted(Exchange e);
}
