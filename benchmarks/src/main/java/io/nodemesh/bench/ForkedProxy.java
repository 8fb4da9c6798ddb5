package io.nodemesh.bench;

import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One node proxy in a JVM of its own, for {@link ConfigPropagation} at sizes where ten proxies'
 * listeners do not fit in one process's file descriptors. Prints {@code applied <version>} each
 * time the version in force changes; exits when its standard input closes (the parent is gone).
 *
 * <p>Usage: {@code ForkedProxy CONTROLLER_URL BIND_HOST NODE_NAME}.
 */
public final class ForkedProxy {
  private ForkedProxy() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: ForkedProxy CONTROLLER_URL BIND_HOST NODE_NAME");
      System.exit(2);
    }
    NodeProxy proxy =
        NodeProxy.start(new ProxyOptions(URI.create(args[0]), args[1], 0, -1, args[2], 1));
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                System.in.transferTo(java.io.OutputStream.nullOutputStream());
              } catch (IOException e) {
                // the parent is gone either way
              }
              proxy.close();
              System.exit(0);
            });
    long shown = Long.MIN_VALUE;
    while (true) {
      long v = proxy.appliedVersion();
      if (v != shown) {
        System.out.println("applied " + v);
        System.out.flush();
        shown = v;
      }
      // A millisecond's resolution is what the benchmark reports; finer polling would only take
      // CPU from the ten proxies being measured.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }
}
