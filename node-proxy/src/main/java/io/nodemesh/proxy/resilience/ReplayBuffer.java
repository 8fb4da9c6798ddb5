package io.nodemesh.proxy.resilience;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A copy of a request as it was sent, kept so that it can be sent again: on a retry of the
 * balancer's call, or by the tunnel's destination when a pod closes a pooled connection before
 * answering. Only small requests are kept: past {@link #LIMIT} bytes of body the copy is dropped
 * and the request can no longer be replayed (a retry is then only possible after a connect failure,
 * when nothing was sent). Body chunks are kept as retained duplicates of the forwarded buffers, so
 * keeping costs no copy; everything is released by {@link #release()}.
 */
public final class ReplayBuffer {
  /** Largest request body kept for replay. */
  public static final int LIMIT = 64 * 1024;

  private final int limit;
  private final ArrayDeque<HttpObject> kept = new ArrayDeque<>();
  private long bytes;
  private boolean overflowed;
  private boolean ended;

  public ReplayBuffer() {
    this(LIMIT);
  }

  ReplayBuffer(int limit) {
    this.limit = limit;
  }

  /** Keeps a copy of {@code o}, which the caller still owns and sends. */
  public void add(HttpObject o) {
    if (overflowed) {
      return;
    }
    if (o instanceof HttpContent c) {
      bytes += c.content().readableBytes();
      if (bytes > limit) {
        overflowed = true;
        release();
        return;
      }
      kept.add(c.retainedDuplicate());
    } else {
      kept.add(o);
    }
    ended |= o instanceof LastHttpContent;
  }

  /** Whether everything added so far is still kept. */
  public boolean complete() {
    return !overflowed;
  }

  /**
   * Whether the request's last part is kept too, so the whole request can be sent again as it was,
   * not only its beginning.
   */
  public boolean ended() {
    return ended && !overflowed;
  }

  /** Fresh copies of everything kept, in order, for the caller to send (and release). */
  public List<HttpObject> copies() {
    List<HttpObject> out = new ArrayList<>(kept.size());
    for (HttpObject o : kept) {
      out.add(o instanceof HttpContent c ? c.retainedDuplicate() : o);
    }
    return out;
  }

  public void release() {
    HttpObject o;
    while ((o = kept.poll()) != null) {
      ReferenceCountUtil.release(o);
    }
  }
}
