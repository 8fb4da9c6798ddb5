package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.MeshConfigs;
import io.nodemesh.testkit.TcpEchoBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Balancing, connect retries, idle timeout and connection rate limits of TCP listeners. */
class TcpResilienceIT {
  @RegisterExtension final Closing closing = new Closing();
  private NodeProxy proxy;
  private int port;

  TcpEchoBackend echo(String name) throws IOException {
    return closing.add(new TcpEchoBackend(name));
  }

  static EndpointConfig endpoint(TcpEchoBackend e) {
    return EndpointConfig.ready("127.0.0.1", e.server.getLocalPort());
  }

  void start(ServicePolicy policy, EndpointConfig... endpoints) {
    port = freePort();
    proxy = closing.add(NodeProxy.start(local()));
    proxy.apply(
        config(
            1,
            MeshConfigs.Listener.DB.on(
                port, RouteConfig.direct(new BackendConfig("db", 1, List.of(endpoints))), policy)));
  }

  static ServicePolicy policy(
      ServicePolicy.LbPolicy lb,
      ServicePolicy.Timeouts timeouts,
      ServicePolicy.Retry retry,
      ServicePolicy.RateLimit limit) {
    return new ServicePolicy(
        null,
        new ServicePolicy.Balancing(lb, null, null, true),
        timeouts,
        retry,
        null,
        new ServicePolicy.Outlier(0, 0, 0),
        limit);
  }

  Socket connect() throws IOException {
    Socket s = new Socket();
    closing.add(s);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    s.setSoTimeout(5_000);
    return s;
  }

  /** Sends a line and reads the echo: the connection is relayed end to end. */
  static boolean echoes(Socket s) throws IOException {
    byte[] ping = "ping\n".getBytes(StandardCharsets.US_ASCII);
    s.getOutputStream().write(ping);
    s.getOutputStream().flush();
    byte[] back = s.getInputStream().readNBytes(ping.length);
    return new String(back, StandardCharsets.US_ASCII).equals("ping\n");
  }

  @Test
  void leastRequestSpreadsLongLivedConnectionsEvenly() throws Exception {
    TcpEchoBackend a = echo("a");
    TcpEchoBackend b = echo("b");
    start(policy(ServicePolicy.LbPolicy.LEAST_REQUEST, null, null, null), endpoint(a), endpoint(b));
    for (int i = 0; i < 6; i++) {
      assertThat(echoes(connect())).isTrue();
    }
    // Each open connection counts as a request in flight; P2C keeps the two level.
    assertThat(a.accepted.get()).isEqualTo(3);
    assertThat(b.accepted.get()).isEqualTo(3);
  }

  @Test
  void aConnectToAKilledEndpointIsRetriedOnAnother() throws Exception {
    TcpEchoBackend dead = echo("dead");
    TcpEchoBackend alive = echo("alive");
    dead.close();
    start(
        policy(
            ServicePolicy.LbPolicy.ROUND_ROBIN,
            null,
            new ServicePolicy.Retry(1, 0, 1, 5, 1.0, 100),
            null),
        endpoint(dead),
        endpoint(alive));
    for (int i = 0; i < 6; i++) {
      assertThat(echoes(connect())).as("connection %d", i).isTrue();
    }
    assertThat(alive.accepted.get()).isEqualTo(6);
  }

  @Test
  void withoutRetriesAConnectFailureClosesTheClient() throws Exception {
    TcpEchoBackend dead = echo("dead");
    dead.close();
    start(policy(ServicePolicy.LbPolicy.ROUND_ROBIN, null, null, null), endpoint(dead));
    assertThat(connect().getInputStream().read()).isEqualTo(-1);
  }

  @Test
  void anIdleRelayIsClosedAfterTheIdleTimeoutAndABusyOneIsNot() throws Exception {
    TcpEchoBackend a = echo("a");
    start(
        policy(
            ServicePolicy.LbPolicy.ROUND_ROBIN, new ServicePolicy.Timeouts(0, 0, 1500), null, null),
        endpoint(a));
    Socket idle = connect();
    Socket busy = connect();
    assertThat(echoes(idle)).isTrue();
    assertThat(echoes(busy)).isTrue();
    // A byte every 100 ms keeps the busy one open well past the 1.5 s idle timeout; the echoes are
    // read at the end, so a backend slowed down by a loaded machine cannot open a gap.
    long t0 = System.nanoTime();
    int sent = 0;
    while (System.nanoTime() - t0 < Duration.ofMillis(3000).toNanos()) {
      busy.getOutputStream().write('x');
      busy.getOutputStream().flush();
      sent++;
      await().pollDelay(Duration.ofMillis(100)).until(() -> true);
    }
    assertThat(idle.getInputStream().read()).isEqualTo(-1);
    byte[] echoed = busy.getInputStream().readNBytes(sent);
    assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("x".repeat(sent));
    assertThat(echoes(busy)).isTrue();
  }

  @Test
  void theRateLimitRefusesNewConnectionsPastTheBurst() throws Exception {
    TcpEchoBackend a = echo("a");
    start(
        policy(
            ServicePolicy.LbPolicy.ROUND_ROBIN,
            null,
            null,
            new ServicePolicy.RateLimit(0.01, 2, false)),
        endpoint(a));
    assertThat(echoes(connect())).isTrue();
    assertThat(echoes(connect())).isTrue();
    Socket refused = connect();
    try {
      assertThat(refused.getInputStream().read()).isEqualTo(-1);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the third connection was not closed", e);
    }
    assertThat(a.accepted.get()).isEqualTo(2);
  }
}
