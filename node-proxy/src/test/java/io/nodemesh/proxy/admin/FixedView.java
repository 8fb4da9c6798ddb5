package io.nodemesh.proxy.admin;

import io.nodemesh.config.MeshConfig;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/** An {@link AdminView} of fixed answers, for the admin server's tests. */
record FixedView(MeshConfig config, IntPredicate bound, Supplier<String> metrics)
    implements AdminView {
  @Override
  public boolean isBound(int proxyPort) {
    return bound.test(proxyPort);
  }

  @Override
  public String scrape() {
    return metrics.get();
  }
}
