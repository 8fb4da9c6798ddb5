package io.nodemesh.proxy.upstream;

import io.netty.handler.codec.http.HttpObject;

/** What an {@link UpstreamLink} hands the backend's answer to: an exchange or a mirror's sink. */
interface UpstreamReader {
  /** A part of the response, whose reference passes to the reader. */
  void onUpstreamRead(HttpObject part);

  /** The read that handed on the last parts has ended: time to flush what they produced. */
  void onUpstreamReadComplete();

  /** The link has ended before the reader detached (cause null for a plain close or reset). */
  void onUpstreamClosed(Throwable cause);
}
