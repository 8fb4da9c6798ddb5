package io.nodemesh.proxy.netbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts Java processes (pods, proxies) of this test class path in the bed, and waits for them. */
public final class Pods {
  private Pods() {}

  /** An {@link EchoPod} HTTP server on {@code pod:port}, ready when this returns. */
  public static void startHttp(NetBed bed, NetBed.Pod pod, int port, String name)
      throws IOException, InterruptedException {
    startJava(bed, pod.node(), name, EchoPod.class, "http", pod.ip(), Integer.toString(port), name);
  }

  /** A Java main of the test class path in {@code node}, ready when it prints {@code READY}. */
  public static Process startJava(
      NetBed bed, NetBed.Node node, String name, Class<?> main, String... args)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
    cmd.addAll(List.of(args));
    Process p = bed.start(node, name, cmd);
    awaitReady(p, bed.log(name));
    return p;
  }

  static void awaitReady(Process p, Path log) throws IOException, InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < end) {
      if (Files.exists(log) && Files.readString(log).contains("READY")) {
        return;
      }
      if (!p.isAlive()
          || (Files.exists(log)
              && Files.readString(log).contains("Exception in thread \"main\""))) {
        throw new IllegalStateException("process died: " + Files.readString(log));
      }
      p.waitFor(50, TimeUnit.MILLISECONDS);
    }
    throw new IllegalStateException("process not ready: " + Files.readString(log));
  }
}
