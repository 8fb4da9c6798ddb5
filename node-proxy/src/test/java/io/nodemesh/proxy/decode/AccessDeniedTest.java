package io.nodemesh.proxy.decode;

import static io.nodemesh.proxy.decode.EmbeddedHttp.exchange;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.Listeners;
import io.nodemesh.proxy.admit.Admission;
import io.nodemesh.proxy.listener.CompiledListener;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.routing.ListenerRouter;
import io.nodemesh.proxy.routing.Route;
import io.nodemesh.proxy.routing.Router;
import io.nodemesh.proxy.upstream.HttpProxyContext;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ACL mode in the request path, through the real codec. An embedded channel has no IP peer, so it
 * plays a caller that is no known pod, whatever headers it sends; the transport is null, so a
 * request that got past the check would fail loudly instead of being answered.
 */
class AccessDeniedTest {
  private final ProxyMetrics metrics = new ProxyMetrics();

  /**
   * {@code shop/api} on proxy port 5001 with {@code policy}, in ACL mode: {@code default/web}
   * (10.0.0.2) may call it by a TCPRoute; 10.0.0.10 is the api pod.
   */
  private static MeshConfig guarded(ServicePolicy policy) {
    ListenerConfig l =
        Listeners.shopApi(5001, List.of(EndpointConfig.ready("10.0.0.10", 8080)), policy);
    AccessConfig access =
        Listeners.webMayCall(
            l,
            Map.of("10.0.0.2", "default/web", "10.0.0.10", "shop/api"),
            "TCPRoute shop/all",
            List.of());
    return new MeshConfig(1, "mesh", List.of(l), access);
  }

  private EmbeddedChannel channel() {
    RoutingTable table = RoutingTable.compile(guarded(null), metrics);
    HttpProxyContext context = new HttpProxyContext(null, metrics, HttpProxySettings.defaults());
    return new EmbeddedChannel(
        new HttpServerCodec(),
        new DownstreamHandler(context, new ListenerRouter(5001, () -> table)));
  }

  @Test
  void forwardingHeadersDoNotMakeACallerKnown() {
    EmbeddedChannel ch = channel();
    String r =
        exchange(
            ch,
            "GET /api HTTP/1.1\r\nHost: api.shop.mesh\r\nX-Forwarded-For: 10.0.0.2\r\n"
                + "Forwarded: for=10.0.0.2\r\nX-Real-IP: 10.0.0.2\r\n\r\n");
    assertThat(r)
        .startsWith("HTTP/1.1 403 Forbidden\r\n")
        .endsWith("\r\n\r\nsource unknown is not a known pod; denied on shop/api:80\n");
    // The connection stays usable; a body of a denied request is read and dropped.
    assertThat(ch.isActive()).isTrue();
    assertThat(
            exchange(
                ch, "POST /api HTTP/1.1\r\nHost: api.shop.mesh\r\nContent-Length: 5\r\n\r\nhello"))
        .startsWith("HTTP/1.1 403 Forbidden\r\n");
    assertThat(metrics.scrape())
        .contains(
            "nodemesh_access_denied_total{namespace=\"shop\",port=\"80\",protocol=\"http\","
                + "reason=\"unknown_source\",service=\"api\"} 2.0")
        .containsPattern(
            "nodemesh_requests_total\\{[^}]*code=\"403\",code_class=\"4xx\",[^}]*method=\"POST\",[^}]*"
                + "source=\"unknown\"\\} 1.0");
  }

  @Test
  void aDeniedCallerTakesNoRateLimitToken() throws Exception {
    ServicePolicy oneToken =
        new ServicePolicy(
            Scheme.HTTP,
            null,
            null,
            null,
            null,
            null,
            new ServicePolicy.RateLimit(0.001, 1, false));
    CompiledListener listener = RoutingTable.compile(guarded(oneToken), metrics).byProxyPort(5001);
    HttpRequest get = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api");
    InetAddress stranger = InetAddress.getByName("10.0.0.99");
    for (int i = 0; i < 5; i++) {
      assertThat(admitThenPick(listener, get, stranger))
          .isInstanceOfSatisfying(
              Route.Reject.class,
              r -> assertThat(r.status()).isEqualTo(HttpResponseStatus.FORBIDDEN));
    }
    // The one token of the bucket is still there for the caller who is allowed.
    InetAddress web = InetAddress.getByName("10.0.0.2");
    assertThat(admitThenPick(listener, get, web)).isInstanceOf(Route.Forward.class);
    assertThat(admitThenPick(listener, get, web))
        .isInstanceOfSatisfying(
            Route.Reject.class,
            r -> assertThat(r.status()).isEqualTo(HttpResponseStatus.TOO_MANY_REQUESTS));
  }

  /** The admit stage, then the route and balance stages, as the downstream handler runs them. */
  private static Route admitThenPick(CompiledListener l, HttpRequest request, InetAddress peer) {
    return switch (Admission.listener(l, request, "/api", peer)) {
      case Admission.Refused r -> new Route.Reject(r.refusal().status(), r.refusal().message(), l);
      case Admission.Admitted a -> Router.pick(l, request, "/api", peer, a.pods());
    };
  }
}
