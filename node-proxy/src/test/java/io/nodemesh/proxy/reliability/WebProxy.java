package io.nodemesh.proxy.reliability;

import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.Fixture;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;

/**
 * A proxy with these limits serving {@code default/web} from one backend on a free port, held in a
 * {@code @RegisterExtension} field: the set-up most reliability tests share. It stays in this
 * module because it needs {@link NodeProxy}, which the test kit may not depend on.
 */
final class WebProxy extends Fixture {
  final NodeProxy proxy;
  final int port;

  private WebProxy(ProxyOptions options, LimitSettings limits, HttpBackend web) {
    proxy = NodeProxy.start(options, HttpProxySettings.defaults(), limits);
    port = Ports.free();
    proxy.apply(
        Mesh.config(
            1, MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(Mesh.backend("web", 1, web)))));
  }

  static WebProxy start(LimitSettings limits, HttpBackend web) {
    return new WebProxy(Mesh.options(), limits, web);
  }

  static WebProxy start(ProxyOptions options, LimitSettings limits, HttpBackend web) {
    return new WebProxy(options, limits, web);
  }

  @Override
  public void close() {
    proxy.close();
  }
}
