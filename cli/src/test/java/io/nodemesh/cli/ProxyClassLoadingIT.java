package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@code nodemesh proxy} loads up to the point where it serves its admin port, from the JVM's
 * own class-load log: the proxy, but none of the controller's or fabric8's classes, which only
 * other commands use (issue 15: picocli built the model of every subcommand, loading their option
 * types, before running the one chosen).
 */
class ProxyClassLoadingIT {

  @Test
  void theProxyCommandLoadsNoControllerOrKubernetesClientClass() throws Exception {
    Path log = Path.of("target", "proxy-class-load.log").toAbsolutePath();
    Files.deleteIfExists(log);
    List<String> loaded;
    try (ChildJvm proxy =
        ChildJvm.start(
            "proxy-class-loading",
            List.of("-Xlog:class+load=info:file=" + log),
            Main.class,
            List.of(
                "proxy",
                // Nobody listens on port 1: the proxy starts, serves its admin port and retries.
                "--controller",
                "http://127.0.0.1:1",
                "--bind",
                "127.0.0.1",
                "--admin-port",
                "0",
                "--threads",
                "1"))) {
      assertThat(proxy.nextLine("nodemesh proxy: admin on port", 120))
          .as("the proxy started")
          .isNotNull();
      loaded =
          Files.readAllLines(log).stream()
              .filter(l -> l.contains("[class,load] "))
              .map(l -> l.substring(l.indexOf("[class,load] ") + 13).split(" ", 2)[0])
              .toList();
    }

    assertThat(loaded).contains("io.nodemesh.proxy.NodeProxy");
    assertThat(loaded).noneMatch(c -> c.startsWith("io.fabric8."));
    assertThat(loaded).noneMatch(c -> c.startsWith("io.nodemesh.controller."));
  }
}
