package io.nodemesh.cli;

import static io.nodemesh.testkit.K8s.pod;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.nodemesh.smi.HTTPMatch;
import io.nodemesh.smi.HTTPRouteGroup;
import io.nodemesh.smi.HTTPRouteGroupSpec;
import io.nodemesh.smi.IdentityBindingSubject;
import io.nodemesh.smi.TCPMatch;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TCPRouteSpec;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficSplitBackend;
import io.nodemesh.smi.TrafficSplitMatch;
import io.nodemesh.smi.TrafficSplitSpec;
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.smi.TrafficTargetRule;
import io.nodemesh.smi.TrafficTargetSpec;
import io.nodemesh.smi.UDPMatch;
import io.nodemesh.smi.UDPRoute;
import io.nodemesh.smi.UDPRouteSpec;
import io.nodemesh.testkit.K8s;
import io.nodemesh.testkit.Pods;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The world of the access-control tests: pods played by loopback addresses, their backends, and the
 * Kubernetes and SMI objects that describe them. Built the same way for local mode (files) and the
 * Kubernetes path (mock API server), so both run the very same scenarios.
 *
 * <ul>
 *   <li>default/web (127.0.0.2, sa web), default/batch (127.0.0.3, sa batch); 127.0.0.4 is no pod
 *   <li>shop/api (HTTP, pod 127.0.0.10, sa api) split to shop/api-v2 (127.0.0.11, sa api) for
 *       requests with {@code x-canary: yes}
 *   <li>shop/db (TCP 5432) and shop/cache (TCP 6379), both served by pod 127.0.0.12, sa db
 *   <li>shop/dns (UDP 53), pod 127.0.0.13, sa dns
 * </ul>
 */
final class AclWorld implements AutoCloseable {
  static final String NS = "shop";
  static final String WEB_IP = "127.0.0.2";
  static final String BATCH_IP = "127.0.0.3";
  static final String NOBODY_IP = "127.0.0.4";

  final DemoBackend api = DemoBackend.start("api", "127.0.0.10", 0);
  final DemoBackend apiV2 = DemoBackend.start("api-v2", "127.0.0.11", 0);
  final TcpEcho db = new TcpEcho("127.0.0.12");
  final TcpEcho cache = new TcpEcho("127.0.0.12");
  final UdpEcho dns = new UdpEcho("127.0.0.13");

  /** Everything but the TrafficTargets. */
  List<HasMetadata> base() {
    List<HasMetadata> out = new ArrayList<>();
    out.add(pod("default", "web-1", "web", WEB_IP));
    out.add(pod("default", "batch-1", "batch", BATCH_IP));
    out.add(pod(NS, "api-1", "api", "127.0.0.10"));
    out.add(pod(NS, "api-v2-1", "api", "127.0.0.11"));
    out.add(pod(NS, "db-1", "db", "127.0.0.12"));
    out.add(pod(NS, "dns-1", "dns", "127.0.0.13"));
    out.add(service("api", 80, "TCP", null));
    out.add(slice("api", "127.0.0.10", api.port(), "TCP"));
    out.add(service("api-v2", 80, "TCP", null));
    out.add(slice("api-v2", "127.0.0.11", apiV2.port(), "TCP"));
    out.add(service("db", 5432, "TCP", "tcp"));
    out.add(slice("db", "127.0.0.12", db.port(), "TCP"));
    out.add(service("cache", 6379, "TCP", "tcp"));
    out.add(slice("cache", "127.0.0.12", cache.port(), "TCP"));
    out.add(service("dns", 53, "UDP", null));
    out.add(slice("dns", "127.0.0.13", dns.port(), "UDP"));
    out.add(
        routeGroup(
            "api-routes",
            new HTTPMatch("read", "/api", List.of("GET"), null),
            new HTTPMatch("write", "/api", List.of("POST"), null),
            new HTTPMatch("admin", "/admin", List.of("*"), Map.of("x-admin-token", "s3cret"))));
    out.add(routeGroup("canary", new HTTPMatch("canary", null, null, Map.of("x-canary", "yes"))));
    out.add(split());
    // SMI ports are the pods' ports, not the Service's (issue 17).
    out.add(tcpRoute("db-port", db.port()));
    out.add(tcpRoute("cache-port", cache.port()));
    out.add(udpRoute("dns", dns.port()));
    return out;
  }

  /** web may read /api and, with the token, use /admin; not write. */
  static TrafficTarget webToApi() {
    return target(
        "web-to-api",
        "api",
        List.of(sa("web", "default")),
        List.of(new TrafficTargetRule("HTTPRouteGroup", "api-routes", List.of("read", "admin"))));
  }

  static TrafficTarget batchToDb() {
    return target(
        "batch-to-db",
        "db",
        List.of(sa("batch", "default")),
        List.of(new TrafficTargetRule("TCPRoute", "db-port", null)));
  }

  static TrafficTarget webToDns() {
    return target(
        "web-to-dns",
        "dns",
        List.of(sa("web", "default")),
        List.of(new TrafficTargetRule("UDPRoute", "dns", null)));
  }

  /** A TrafficTarget without rules: must allow nothing (Traefik Mesh #747 allowed everything). */
  static TrafficTarget webToDbWithoutRules() {
    return target("web-to-db-no-rules", "db", List.of(sa("web", "default")), List.of());
  }

  static List<HasMetadata> targets() {
    return List.of(webToApi(), batchToDb(), webToDns(), webToDbWithoutRules());
  }

  private static IdentityBindingSubject sa(String name, String ns) {
    return new IdentityBindingSubject("ServiceAccount", name, ns, null);
  }

  private static TrafficTarget target(
      String name,
      String destination,
      List<IdentityBindingSubject> sources,
      List<TrafficTargetRule> rules) {
    TrafficTarget t = new TrafficTarget();
    t.getMetadata().setName(name);
    t.getMetadata().setNamespace(NS);
    t.setSpec(new TrafficTargetSpec(sa(destination, NS), rules, sources));
    return t;
  }

  private static Service service(String name, int port, String protocol, String trafficType) {
    ServiceBuilder b =
        new ServiceBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata();
    if (trafficType != null) {
      b.editMetadata().addToAnnotations("nodemesh.io/traffic-type", trafficType).endMetadata();
    }
    return b.withNewSpec()
        .addNewPort()
        .withName("p")
        .withPort(port)
        .withTargetPort(new IntOrString(8080))
        .withProtocol(protocol)
        .endPort()
        .endSpec()
        .build();
  }

  private static EndpointSlice slice(String service, String ip, int port, String protocol) {
    EndpointSlice tcp =
        K8s.slice(NS, service + "-abc", service, "p", port, List.of(Pods.endpointOn(ip, "node-a")));
    return new EndpointSliceBuilder(tcp).editFirstPort().withProtocol(protocol).endPort().build();
  }

  private static HTTPRouteGroup routeGroup(String name, HTTPMatch... matches) {
    HTTPRouteGroup g = new HTTPRouteGroup();
    g.getMetadata().setName(name);
    g.getMetadata().setNamespace(NS);
    g.setSpec(new HTTPRouteGroupSpec(List.of(matches)));
    return g;
  }

  private static TrafficSplit split() {
    TrafficSplit s = new TrafficSplit();
    s.getMetadata().setName("api-split");
    s.getMetadata().setNamespace(NS);
    s.setSpec(
        new TrafficSplitSpec(
            "api",
            List.of(new TrafficSplitBackend("api-v2", 100)),
            List.of(new TrafficSplitMatch("HTTPRouteGroup", "canary", "specs.smi-spec.io"))));
    return s;
  }

  private static TCPRoute tcpRoute(String name, int port) {
    TCPRoute r = new TCPRoute();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(NS);
    r.setSpec(new TCPRouteSpec(new TCPMatch(null, List.of(port))));
    return r;
  }

  private static UDPRoute udpRoute(String name, int port) {
    UDPRoute r = new UDPRoute();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(NS);
    r.setSpec(new UDPRouteSpec(new UDPMatch(null, List.of(port))));
    return r;
  }

  @Override
  public void close() {
    Lifecycle.closeAll(api, apiV2, db, cache, dns);
  }

  /** A TCP echo server that counts the connections and bytes it received. */
  static final class TcpEcho implements AutoCloseable {
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger bytes = new AtomicInteger();
    private final ServerSocket server;

    TcpEcho(String host) {
      try {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(host, 0));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      Thread.ofVirtual().start(this::acceptLoop);
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          accepted.incrementAndGet();
          Thread.ofVirtual().start(() -> echo(s));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void echo(Socket s) {
      try (s;
          InputStream in = s.getInputStream();
          OutputStream out = s.getOutputStream()) {
        byte[] buf = new byte[1024];
        int n;
        while ((n = in.read(buf)) > 0) {
          bytes.addAndGet(n);
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // the client went away
      }
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  /** A UDP echo server that counts the datagrams it received. */
  static final class UdpEcho implements AutoCloseable {
    final AtomicInteger received = new AtomicInteger();
    private final DatagramSocket socket;

    UdpEcho(String host) {
      try {
        socket = new DatagramSocket(new InetSocketAddress(host, 0));
      } catch (SocketException e) {
        throw new IllegalStateException(e);
      }
      Thread.ofVirtual().start(this::loop);
    }

    private void loop() {
      byte[] buf = new byte[2048];
      while (!socket.isClosed()) {
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          socket.receive(p);
          received.incrementAndGet();
          socket.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
        } catch (IOException e) {
          return;
        }
      }
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() {
      socket.close();
    }
  }
}
