package io.nodemesh.controller;

import static io.nodemesh.testkit.K8s.service;
import static io.nodemesh.testkit.K8s.slice;
import static io.nodemesh.testkit.K8s.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Version;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.source.ClusterSource;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.smi.SmiKinds;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficSplitSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, "one object can freeze the controller": an object whose compilation throws an {@code
 * Error} is reported and skipped while the controller keeps compiling and stays ready; {@code
 * /readyz} fails only while whole compiles keep failing, and recovers.
 */
class CompileFailureTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** A cluster the test edits; every edit is a change notification. */
  static final class ScriptedSource implements ClusterSource {
    private volatile List<HasMetadata> objects = List.of();
    private volatile Listener listener;

    void set(List<HasMetadata> next) {
      objects = List.copyOf(next);
      if (listener != null) {
        listener.changed();
      }
    }

    @Override
    public void start(Listener l) {
      listener = l;
      l.changed();
    }

    @Override
    public boolean hasSynced() {
      return true;
    }

    @Override
    public SourceSnapshot snapshot() {
      return SourceSnapshot.of(objects);
    }

    @Override
    public List<Problem> problems() {
      return List.of();
    }

    @Override
    public void close() {}
  }

  /**
   * A Service that throws whatever {@code error} gives when the compiler reads its spec: the Error
   * a real object could raise deep inside the compile (a deeply nested value overflowing the
   * stack), without depending on how deep this JVM's stack is. Null means a normal spec.
   */
  static final class HostileService extends Service {
    private final transient Supplier<Error> error;

    HostileService(String ns, String name, Supplier<Error> error) {
      this.error = error;
      setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
      setSpec(service(ns, name, "http:80").getSpec());
    }

    @Override
    public ServiceSpec getSpec() {
      Error e = error.get();
      if (e != null) {
        throw e;
      }
      return super.getSpec();
    }
  }

  /** A TrafficSplit whose spec cannot be read. */
  @Group(SmiKinds.SPLIT_GROUP)
  @Version(SmiKinds.SPLIT_VERSION)
  @Kind(SmiKinds.TRAFFIC_SPLIT)
  static final class HostileSplit extends TrafficSplit {
    HostileSplit(String ns, String name) {
      setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    }

    @Override
    public TrafficSplitSpec getSpec() {
      throw new AssertionError("hostile split");
    }
  }

  final ScriptedSource source = new ScriptedSource();
  final HttpClient http = HttpClient.newHttpClient();
  Controller controller;

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
    http.close();
  }

  static List<HasMetadata> world(int w1, int w2) {
    List<HasMetadata> objects = new ArrayList<>();
    objects.add(service("shop", "web", "http:80"));
    objects.add(service("shop", "web-v1", "http:80"));
    objects.add(service("shop", "web-v2", "http:80"));
    objects.add(slice("shop", "web-v1", "http", 8081, "10.0.0.1"));
    objects.add(slice("shop", "web-v2", "http", 8082, "10.0.0.2"));
    objects.add(split("shop", "canary", "web", "web-v1", w1, "web-v2", w2));
    return objects;
  }

  static List<Integer> weights(MeshConfig c) {
    return ControllerKubernetesTest.weights(c);
  }

  HttpResponse<String> readyz() throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.apiPort() + "/readyz"))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  double compileFailures() {
    Matcher m =
        Pattern.compile("(?m)^nodemesh_controller_compile_failures_total (\\S+)$")
            .matcher(controller.registry().scrape());
    assertThat(m.find()).as("compile failures metric").isTrue();
    return Double.parseDouble(m.group(1));
  }

  void start() {
    controller =
        Controller.start(ControllerOptions.defaults().withApi("127.0.0.1", 0), source, null);
  }

  @Test
  void anObjectThatThrowsAnErrorIsReportedAndTheControllerKeepsCompiling() throws Exception {
    List<HasMetadata> objects = world(90, 10);
    objects.add(new HostileService("shop", "evil", StackOverflowError::new));
    objects.add(new HostileSplit("shop", "evil-split"));
    source.set(objects);
    start();

    await().atMost(WAIT).until(() -> weights(controller.currentConfig()).equals(List.of(90, 10)));
    assertThat(readyz().statusCode()).isEqualTo(200);
    assertThat(controller.problems())
        .anySatisfy(
            p -> {
              assertThat(p.toString())
                  .startsWith(
                      "Service shop/evil: spec: compiling this object"
                          + " failed (java.lang.StackOverflowError)");
              assertThat(p.reason()).isEqualTo(ProblemReason.COMPILE_FAILED);
            })
        .anySatisfy(
            p ->
                assertThat(p.toString())
                    .startsWith(
                        "TrafficSplit shop/evil-split: spec: compiling this object failed"
                            + " (java.lang.AssertionError: hostile split)"));

    // A later change still reaches the served config: the compile thread is alive.
    List<HasMetadata> next = world(50, 50);
    next.add(new HostileService("shop", "evil", StackOverflowError::new));
    next.add(new HostileSplit("shop", "evil-split"));
    source.set(next);
    await().atMost(WAIT).until(() -> weights(controller.currentConfig()).equals(List.of(50, 50)));
    assertThat(readyz().statusCode()).isEqualTo(200);
    assertThat(compileFailures()).isZero();
  }

  @Test
  void readyzFailsOnlyWhileWholeCompilesKeepFailingAndRecovers() throws Exception {
    // An OutOfMemoryError is the JVM's trouble, not the object's: it fails the whole compile.
    AtomicBoolean trouble = new AtomicBoolean();
    Supplier<Error> oom = () -> trouble.get() ? new OutOfMemoryError("simulated") : null;
    List<HasMetadata> objects = world(90, 10);
    objects.add(new HostileService("shop", "heavy", oom));
    source.set(objects);
    start();
    await().atMost(WAIT).until(() -> weights(controller.currentConfig()).equals(List.of(90, 10)));
    assertThat(readyz().statusCode()).isEqualTo(200);
    long served = controller.currentConfig().version();

    trouble.set(true);
    List<HasMetadata> changed = world(50, 50);
    changed.add(new HostileService("shop", "heavy", oom));
    source.set(changed);

    await().atMost(WAIT).until(() -> compileFailures() >= 1);
    // One failure is not yet "keeps failing": still ready (unless retries got there meanwhile).
    int code = readyz().statusCode();
    if (compileFailures() < 3) {
      assertThat(code).isEqualTo(200);
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              HttpResponse<String> r = readyz();
              assertThat(r.statusCode()).isEqualTo(503);
              assertThat(r.body()).contains("compiles in a row failed");
            });
    assertThat(compileFailures()).isGreaterThanOrEqualTo(3);
    // The last good config is still served.
    assertThat(controller.currentConfig().version()).isEqualTo(served);

    trouble.set(false);
    await().atMost(WAIT).until(() -> readyz().statusCode() == 200);
    await().atMost(WAIT).until(() -> weights(controller.currentConfig()).equals(List.of(50, 50)));
  }
}
