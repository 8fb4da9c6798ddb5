package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.TcpEchoBackend;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Five hundred TCP services through one proxy at once (Traefik Mesh stopped at 25 for a whole
 * cluster): every listener is bound, and one connection to each, all open together, is relayed to
 * its own service's backend.
 */
class ManyListenersIT {
  private static final int SERVICES = 500;
  private static final int BACKENDS = 4;

  @Test
  void fiveHundredTcpServicesAtOnce() throws Exception {
    List<TcpEchoBackend> backends = new ArrayList<>();
    List<Socket> open = new ArrayList<>();
    try (NodeProxy proxy = NodeProxy.start(local())) {
      for (int i = 0; i < BACKENDS; i++) {
        backends.add(new TcpEchoBackend("b" + i));
      }
      Set<Integer> ports = new LinkedHashSet<>();
      while (ports.size() < SERVICES) {
        ports.add(freePort());
      }
      List<ListenerConfig> listeners = new ArrayList<>();
      int i = 0;
      for (int port : ports) {
        TcpEchoBackend b = backends.get(i % BACKENDS);
        String svc = "svc" + i;
        listeners.add(
            new ListenerConfig(
                "many", svc, 9000, Protocol.TCP, port, RouteConfig.direct(b.backend(svc, 1))));
        i++;
      }
      proxy.apply(new MeshConfig(1, "mesh", listeners));
      for (int port : ports) {
        open.add(Configs.connect(port));
      }
      i = 0;
      for (Socket s : open) {
        s.getOutputStream().write(("hello " + i++ + "\n").getBytes(StandardCharsets.US_ASCII));
      }
      i = 0;
      for (Socket s : open) {
        byte[] want = ("hello " + i++ + "\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(s.getInputStream().readNBytes(want.length)).isEqualTo(want);
      }
      int accepted = backends.stream().mapToInt(b -> b.accepted.get()).sum();
      assertThat(accepted).isEqualTo(SERVICES);
    } finally {
      for (Socket s : open) {
        close(s);
      }
      backends.forEach(TcpEchoBackend::close);
    }
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
