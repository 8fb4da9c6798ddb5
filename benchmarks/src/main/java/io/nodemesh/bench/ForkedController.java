package io.nodemesh.bench;

import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.source.FileSource;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One controller in local mode (no Kubernetes API: open API, as in {@code nodemesh local}) in a JVM
 * of its own, so {@link TrafficReportLoad} can measure its CPU and memory alone. Prints {@code port
 * <n>} once it serves; exits when its standard input closes.
 *
 * <p>Usage: {@code ForkedController DIR}.
 */
public final class ForkedController {
  private ForkedController() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: ForkedController DIR");
      System.exit(2);
    }
    Controller c =
        Controller.start(
            ControllerOptions.defaults().withApi("127.0.0.1", 0),
            new FileSource(Path.of(args[0])),
            null);
    System.out.println("port " + c.apiPort());
    System.out.flush();
    System.in.transferTo(java.io.OutputStream.nullOutputStream());
    c.close();
    System.exit(0);
  }
}
