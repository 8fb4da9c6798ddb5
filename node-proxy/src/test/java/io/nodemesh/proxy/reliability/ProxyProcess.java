package io.nodemesh.proxy.reliability;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import io.nodemesh.testkit.MeshConfigs;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A node proxy in its own JVM, for what a test cannot do to a proxy inside its own process: send it
 * SIGTERM, or measure its heap alone. Arguments: backend port, listener port, connection cap and
 * (optional) drain delay in milliseconds. Prints {@code READY} once the listener is bound; on
 * stdin, {@code heap} prints {@code HEAP <bytes used after a full GC>}. On SIGTERM it drains the
 * way {@code bin/nodemesh proxy} does (a shutdown hook that closes the proxy) and prints {@code
 * DRAINED <ms>}.
 */
public final class ProxyProcess {
  private ProxyProcess() {}

  public static void main(String[] args) throws Exception {
    int backendPort = Integer.parseInt(args[0]);
    int listenPort = Integer.parseInt(args[1]);
    int maxConnections = Integer.parseInt(args[2]);
    Duration drainDelay = Duration.ofMillis(args.length > 3 ? Long.parseLong(args[3]) : 0);
    NodeProxy proxy =
        NodeProxy.start(
            Mesh.options(),
            HttpProxySettings.defaults(),
            LimitSettings.defaults().withMaxConnectionsPerListener(maxConnections));
    BackendConfig web =
        new BackendConfig("web", 1, List.of(EndpointConfig.ready("127.0.0.1", backendPort)));
    proxy.apply(Mesh.config(1, MeshConfigs.Listener.WEB.on(listenPort, RouteConfig.direct(web))));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  long t0 = System.nanoTime();
                  proxy.close(drainDelay);
                  System.out.println("DRAINED " + (System.nanoTime() - t0) / 1_000_000);
                  System.out.flush();
                }));
    System.out.println("READY");
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.equals("heap")) {
        System.out.println("HEAP " + heapAfterGc());
        System.out.flush();
      }
    }
    // The test closed stdin without a signal: wait to be killed.
    Thread.currentThread().join();
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
