package io.nodemesh.proxy.tunnel;

import io.netty.buffer.ByteBufHolder;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.nodemesh.proxy.resilience.Idempotent;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * Copies of one idempotent request sent on a pooled pod connection, so that it can be sent once
 * more on a fresh connection when the pod closes the pooled one before answering: the race of a pod
 * closing a keep-alive connection just as the destination reuses it (RFC 9112 §9.3.1, which lets a
 * client retry an idempotent request then; RFC 9110 §9.2.2). Bounded to {@link #MAX_BYTES} of body;
 * beyond it, or for any other method, there is no copy and the caller gets the 502. Confined to the
 * stream's event loop.
 */
final class PodReplay {
  static final int MAX_BYTES = 64 * 1024;

  private final ArrayDeque<Object> copies = new ArrayDeque<>();
  private int bytes;
  private boolean complete;

  private PodReplay() {}

  /** A replay for {@code head} when it is an idempotent request, else null. */
  static PodReplay of(Object head) {
    return head instanceof HttpRequest r && Idempotent.method(r.method().name())
        ? new PodReplay()
        : null;
  }

  /**
   * Keeps a copy of {@code m}, one part of the request as it is written to the pod; false (and all
   * copies released) when the body goes over the bound.
   */
  boolean keep(Object m) {
    if (m instanceof ByteBufHolder h) {
      bytes += h.content().readableBytes();
      if (bytes > MAX_BYTES) {
        release();
        return false;
      }
      copies.add(h.retainedDuplicate());
    } else {
      // A request head without body bytes: not reference-counted, and the encoder leaves it as is.
      copies.add(m);
    }
    complete |= m instanceof LastHttpContent;
    return true;
  }

  /** Whether the whole request was kept, so that it can be sent again as it was. */
  boolean complete() {
    return complete;
  }

  /** Moves the copies, in order, to {@code out}; the replay is empty after. */
  void moveTo(Queue<Object> out) {
    Object m;
    while ((m = copies.poll()) != null) {
      out.add(m);
    }
  }

  void release() {
    Object m;
    while ((m = copies.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
  }
}
