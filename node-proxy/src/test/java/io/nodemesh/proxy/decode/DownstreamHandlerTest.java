package io.nodemesh.proxy.decode;

import static io.nodemesh.proxy.decode.EmbeddedHttp.exchange;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.limits.RejectReason;
import io.nodemesh.proxy.listener.RoutingTable;
import io.nodemesh.proxy.metrics.ProxyMetrics;
import io.nodemesh.proxy.routing.EntryRouter;
import io.nodemesh.proxy.routing.ListenerRouter;
import io.nodemesh.proxy.upstream.HttpProxyContext;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The answers the proxy gives by itself, through the real HTTP codec. */
class DownstreamHandlerTest {
  private static final ProxyMetrics METRICS = new ProxyMetrics();
  private static final RoutingTable TABLE =
      RoutingTable.compile(
          new MeshConfig(
              1,
              "mesh",
              List.of(
                  new ListenerConfig(
                      "default",
                      "whoami",
                      80,
                      Protocol.HTTP,
                      5001,
                      RouteConfig.direct(
                          new BackendConfig(
                              "whoami",
                              1,
                              List.of(
                                  new EndpointConfig(
                                      "10.0.0.1", 80, null, false, false, true))))))),
          METRICS);
  private static final HttpProxyContext CONTEXT =
      new HttpProxyContext(null, METRICS, HttpProxySettings.defaults());

  private static EmbeddedChannel entry() {
    return new EmbeddedChannel(
        new HttpServerCodec(), new DownstreamHandler(CONTEXT, new EntryRouter(() -> TABLE)));
  }

  private static EmbeddedChannel onProxyPort(int port) {
    return new EmbeddedChannel(
        new HttpServerCodec(),
        new DownstreamHandler(CONTEXT, new ListenerRouter(port, () -> TABLE)));
  }

  /** The answer to {@code request} on a new entry connection, which the proxy has closed. */
  private static String answeredThenClosed(String request) {
    EmbeddedChannel ch = entry();
    String r = exchange(ch, request);
    assertThat(ch.isActive()).isFalse();
    return r;
  }

  @Test
  void unknownHostIs404WithOneLineAndKeepsTheConnection() {
    EmbeddedChannel ch = entry();
    String r = exchange(ch, "GET / HTTP/1.1\r\nHost: nope.default.mesh\r\n\r\n");
    assertThat(r)
        .startsWith("HTTP/1.1 404 Not Found\r\n")
        .endsWith("\r\n\r\nno meshed service for host 'nope.default.mesh'\n");
    assertThat(ch.isActive()).isTrue();
    assertThat(exchange(ch, "GET / HTTP/1.1\r\nHost: other.default.mesh\r\n\r\n"))
        .endsWith("no meshed service for host 'other.default.mesh'\n");
  }

  @Test
  void aProxyPortWhoseListenerIsGoneIs503CountedAsNoListener() {
    long before = CONTEXT.limits().rejections().total(RejectReason.NO_LISTENER);
    // Port 5999 has no listener, and the connection never saw one.
    EmbeddedChannel ch = onProxyPort(5999);
    String r = exchange(ch, "GET / HTTP/1.1\r\nHost: whoami.default.mesh\r\n\r\n");
    assertThat(r)
        .startsWith("HTTP/1.1 503 Service Unavailable\r\n")
        .endsWith("no listener on proxy port 5999\n");
    assertThat(CONTEXT.limits().rejections().total(RejectReason.NO_LISTENER)).isEqualTo(before + 1);
  }

  @Test
  void absoluteFormAuthorityDecidesOverTheHostHeader() {
    String r =
        exchange(
            entry(),
            "GET http://ghost.default.mesh:8080/x HTTP/1.1\r\nHost: whoami.default.mesh\r\n\r\n");
    assertThat(r)
        .startsWith("HTTP/1.1 404")
        .endsWith("no meshed service for host 'ghost.default.mesh:8080'\n");
  }

  @Test
  void knownHostWithoutReadyEndpointIs503NamingTheService() {
    String r = exchange(entry(), "GET / HTTP/1.1\r\nHost: WHOAMI.default.mesh.\r\n\r\n");
    assertThat(r)
        .startsWith("HTTP/1.1 503 Service Unavailable\r\n")
        .endsWith("no ready endpoint for service default/whoami\n");
    assertThat(METRICS.scrape())
        .containsPattern(
            "nodemesh_requests_total\\{backend=\"none\",code=\"503\",code_class=\"5xx\",method=\"GET\","
                + "namespace=\"default\",port=\"80\",service=\"whoami\",source=\"unknown\"} [1-9]");
  }

  @Test
  void listenerPortRoutesWithoutLookingAtTheHost() {
    EmbeddedChannel ch = onProxyPort(5001);
    assertThat(exchange(ch, "GET / HTTP/1.1\r\nHost: anything\r\n\r\n"))
        .startsWith("HTTP/1.1 503")
        .endsWith("no ready endpoint for service default/whoami\n");
  }

  @Test
  void aRejectedRequestsBodyIsSkippedAndTheNextRequestIsServed() {
    String r =
        exchange(
            entry(),
            "POST /a HTTP/1.1\r\nHost: a.b.mesh\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /b HTTP/1.1\r\nHost: c.d.mesh\r\n\r\n");
    assertThat(r).contains("host 'a.b.mesh'").contains("host 'c.d.mesh'");
  }

  @Test
  void malformedRequestIs400AndCloses() {
    String r = answeredThenClosed("GET / HTTP/1.1\r\nHost: a.b.mesh\r\nContent-Length: x\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("malformed request");
  }

  @Test
  void anAbsoluteFormAuthorityThatCannotBeAHostIs400AndCloses() {
    String r =
        answeredThenClosed("GET http://who\u0000ami.default.mesh/ HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(r)
        .startsWith("HTTP/1.1 400 Bad Request\r\n")
        .endsWith("malformed request: the request target's authority is not a valid Host\n");
  }

  @Test
  void http10WithoutKeepAliveIsClosedAfterTheAnswer() {
    String r = answeredThenClosed("GET / HTTP/1.0\r\nHost: a.b.mesh\r\n\r\n");
    assertThat(r).contains("connection: close").contains("no meshed service");
  }
}
