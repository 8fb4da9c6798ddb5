package io.nodemesh.proxy.balance;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * A consistent hash ring (Karger et al.; the ketama layout): each endpoint owns {@link #VNODES}
 * points, a key goes to the first point at or after its hash. Removing an endpoint moves only the
 * keys it owned. Built once per config from the endpoints' {@code ip:port}, so every proxy maps a
 * key to the same endpoint.
 */
final class HashRing {
  static final int VNODES = 160;

  private final long[] points;
  private final EndpointState[] owners;

  HashRing(EndpointState[] endpoints) {
    int n = endpoints.length * VNODES;
    long[][] pairs = new long[n][];
    for (int e = 0; e < endpoints.length; e++) {
      String authority = endpoints[e].target().authority();
      for (int v = 0; v < VNODES; v++) {
        pairs[e * VNODES + v] = new long[] {hash(authority + "#" + v), e};
      }
    }
    Arrays.sort(pairs, (x, y) -> Long.compareUnsigned(x[0], y[0]));
    points = new long[n];
    owners = new EndpointState[n];
    for (int i = 0; i < n; i++) {
      points[i] = pairs[i][0];
      owners[i] = endpoints[(int) pairs[i][1]];
    }
  }

  boolean isEmpty() {
    return points.length == 0;
  }

  /**
   * The owner of {@code keyHash}, walking clockwise past owners that {@code usable} refuses; null
   * when it refuses them all.
   */
  EndpointState lookup(long keyHash, Predicate<EndpointState> usable) {
    if (points.length == 0) {
      return null;
    }
    int i = firstAtOrAfter(keyHash);
    for (int step = 0; step < points.length; step++) {
      EndpointState e = owners[(i + step) % points.length];
      if (usable.test(e)) {
        return e;
      }
    }
    return null;
  }

  private int firstAtOrAfter(long h) {
    int lo = 0;
    int hi = points.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(points[mid], h) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == points.length ? 0 : lo;
  }

  /** FNV-1a over UTF-8, finished with the MurmurHash3 64-bit mixer for a uniform spread. */
  static long hash(String s) {
    return hash(s.getBytes(StandardCharsets.UTF_8));
  }

  static long hash(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
