package io.nodemesh.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.testkit.Closing;
import io.nodemesh.testkit.HttpBackend;
import io.nodemesh.testkit.MeshConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One of three endpoints dies in the middle of a steady 1,000 requests per second. With retries on,
 * fewer than 0.1% of requests fail, and passive outlier ejection takes the dead endpoint out of
 * balancing within a second.
 */
class EndpointKilledUnderLoadIT {
  static final int RATE = 1000;
  static final Duration DURATION = Duration.ofSeconds(6);
  static final Pattern EJECTED =
      Pattern.compile("nodemesh_ejected_endpoints\\{[^}]*service=\"web\"[^}]*\\} 1\\.0");

  @RegisterExtension final HttpBackend a = HttpBackend.start("a");
  @RegisterExtension final HttpBackend b = HttpBackend.start("b");
  @RegisterExtension final HttpBackend c = HttpBackend.start("c");
  @RegisterExtension final Closing closing = new Closing();
  final NodeProxy proxy = closing.add(Mesh.proxy());

  @Test
  void endpointKilledUnderLoadWithRetriesFailsUnderOnePerThousandAndIsEjectedWithinASecond()
      throws Exception {
    int port = Ports.free();
    ServicePolicy policy =
        new ServicePolicy(
            null,
            null,
            null,
            new ServicePolicy.Retry(2, 0, 25, 1000, 0.2, 10),
            null,
            new ServicePolicy.Outlier(3, 30_000, 50),
            null);
    BackendConfig web =
        new BackendConfig("web", 1, List.of(a.endpoint(), b.endpoint(), c.endpoint()));
    proxy.apply(Mesh.config(1, MeshConfigs.Listener.WEB.on(port, RouteConfig.direct(web), policy)));
    Load.warmUp(port, "web.default.mesh", 3000);
    Load load = new Load("endpoint-killed", port, "web.default.mesh", RATE, DURATION, 50);
    CompletableFuture<Load.Result> run = load.start();
    HttpClient admin = HttpClient.newHttpClient();
    HttpRequest scrape =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort() + "/metrics"))
            .build();
    admin.send(scrape, HttpResponse.BodyHandlers.ofString());
    long t0 = System.nanoTime();
    // Pacing of the scenario: the endpoint dies 2 s into the run.
    LockSupport.parkNanos(t0 + Duration.ofSeconds(2).toNanos() - System.nanoTime());
    long killed = System.nanoTime();
    b.close();

    long ejectedMillis = -1;
    while (System.nanoTime() - killed < Duration.ofSeconds(3).toNanos()) {
      // The scrape takes a while on a busy machine: the figure is an upper bound.
      if (EJECTED.matcher(admin.send(scrape, HttpResponse.BodyHandlers.ofString()).body()).find()) {
        ejectedMillis = (System.nanoTime() - killed) / 1_000_000;
        break;
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
    Load.Result r = run.get();
    admin.close();
    Load.record(
        "[reliability] endpoint-killed: 1 of 3 endpoints killed 2 s into the run, ejected "
            + ejectedMillis
            + " ms later (retries 2, ejection after 3 failures in a row)");
    assertThat(ejectedMillis).as("ejected").isBetween(0L, 1000L);
    assertThat(r.failed()).as(r.line()).isLessThan(r.sent() / 1000);
  }
}
