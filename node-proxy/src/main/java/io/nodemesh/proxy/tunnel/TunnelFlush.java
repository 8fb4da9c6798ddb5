package io.nodemesh.proxy.tunnel;

import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * Coalesces the flushes of a tunnel connection, between its TLS handler and its HTTP/2 codec. Every
 * stream's write flushes the shared connection (a request head, its end, a response head, its body:
 * each its own flush), and each flush below it is a TLS record and a {@code sendto}. Held until the
 * event loop has handled the I/O it woke up for (or, while this connection is reading, until its
 * read ends), the frames of every stream served in that pass go out in one TLS record and one
 * system call: bench/tunnel counted 6 to 8 sends per request on the two proxies before, under 3
 * after (with {@link BodilessRequest}; plaintext through the same proxies: 4). Docs/benchmarks.md,
 * "Node-to-node tunnel".
 */
final class TunnelFlush {
  static final String NAME = "flush";

  // As the HTTP listeners: a flush at the latest after 256 held ones, even in an endless read.
  private static final int EXPLICIT_FLUSH_AFTER = 256;

  private TunnelFlush() {}

  static FlushConsolidationHandler handler() {
    return new FlushConsolidationHandler(EXPLICIT_FLUSH_AFTER, true);
  }
}
