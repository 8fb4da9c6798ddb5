package io.nodemesh.proxy.admin;

import io.nodemesh.config.MeshConfig;
import io.nodemesh.proxy.tap.TapGrants;
import io.nodemesh.proxy.tap.Taps;

/**
 * An {@link AdminView} for an admin server that starts before the proxy behind it exists (start-up
 * runs both at once): not ready, no listeners, no meters, until {@link #bind} names the proxy.
 */
public final class LateView implements AdminView {
  private volatile AdminView proxy;

  /** From now on, shows {@code view}. */
  public void bind(AdminView view) {
    proxy = view;
  }

  @Override
  public MeshConfig config() {
    AdminView p = proxy;
    return p == null ? null : p.config();
  }

  @Override
  public boolean isBound(int proxyPort) {
    AdminView p = proxy;
    return p != null && p.isBound(proxyPort);
  }

  @Override
  public String scrape() {
    AdminView p = proxy;
    return p == null ? "" : p.scrape();
  }

  @Override
  public Taps taps() {
    AdminView p = proxy;
    return p == null ? null : p.taps();
  }

  @Override
  public TapGrants tapGrants() {
    AdminView p = proxy;
    return p == null ? null : p.tapGrants();
  }
}
