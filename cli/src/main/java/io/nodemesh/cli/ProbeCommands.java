package io.nodemesh.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The two hidden commands that {@code check --probe-network-policy} runs in its pods: the Nodemesh
 * image is distroless (no shell, no busybox), so the server and the client are the jar itself.
 */
final class ProbeCommands {
  /** What the server answers, and the client waits for. */
  static final byte[] GREETING = "nodemesh-probe\n".getBytes(StandardCharsets.US_ASCII);

  private ProbeCommands() {}

  /** Accepts on a port and answers every connection with {@link #GREETING}, until killed. */
  @Command(name = "probe-serve", hidden = true, description = "NetworkPolicy probe: server.")
  static final class Serve implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8080", converter = PortConverter.class)
    int port;

    @Override
    public Integer call() throws IOException {
      try (ServerSocket server = new ServerSocket()) {
        server.bind(new InetSocketAddress(port));
        while (true) {
          try (Socket s = server.accept()) {
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(GREETING);
            out.flush();
          } catch (IOException e) {
            // One broken connection is the caller's business; keep serving.
          }
        }
      }
    }
  }

  /**
   * Calls {@code --target} a few times; exit 0 as soon as one call gets the greeting, 1 when none
   * does (refused, timed out, reset): the pod's phase is the probe's answer.
   */
  @Command(name = "probe-call", hidden = true, description = "NetworkPolicy probe: client.")
  static final class Call implements Callable<Integer> {
    @Option(names = "--target", required = true)
    String target;

    @Option(names = "--delay-seconds", defaultValue = "0")
    int delaySeconds;

    @Option(names = "--attempts", defaultValue = "5")
    int attempts;

    @Option(names = "--timeout-ms", defaultValue = "2000")
    int timeoutMs;

    @Override
    public Integer call() throws InterruptedException {
      int colon = target.lastIndexOf(':');
      if (colon <= 0) {
        return 2;
      }
      String host = target.substring(0, colon);
      int port = Integer.parseInt(target.substring(colon + 1));
      Thread.sleep(Math.max(0, delaySeconds) * 1000L);
      for (int i = 0; i < Math.max(1, attempts); i++) {
        if (reached(host, port)) {
          System.out.println("reached " + target);
          return 0;
        }
        Thread.sleep(1000);
      }
      System.out.println("not reached " + target);
      return 1;
    }

    private boolean reached(String host, int port) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), timeoutMs);
        s.setSoTimeout(timeoutMs);
        InputStream in = s.getInputStream();
        byte[] got = in.readNBytes(GREETING.length);
        return java.util.Arrays.equals(got, GREETING);
      } catch (IOException e) {
        return false;
      }
    }
  }
}
