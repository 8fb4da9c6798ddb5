package io.nodemesh.cli;

import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.source.FileSource;
import io.nodemesh.controller.tap.TapTarget;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import io.nodemesh.proxy.limits.LimitSettings;
import io.nodemesh.proxy.upstream.HttpProxySettings;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Local mode: the controller, fed by a directory of YAML, and one node proxy with an entry port, in
 * one process. The proxy takes its configuration from the controller over loopback HTTP, the same
 * path as in a cluster, so local mode exercises the real contract.
 */
final class LocalMesh implements AutoCloseable {
  static final String LOOPBACK = "127.0.0.1";

  private final Controller controller;
  private final NodeProxy proxy;

  private LocalMesh(Controller controller, NodeProxy proxy) {
    this.controller = controller;
    this.proxy = proxy;
  }

  /**
   * Starts both parts.
   *
   * @throws UserError when DIR is not a directory or a port is taken
   */
  static LocalMesh start(
      Path dir, ControllerOptions controllerOptions, int entryPort, int adminPort) {
    return start(
        dir,
        controllerOptions,
        entryPort,
        adminPort,
        UnaryOperator.identity(),
        LimitSettings.defaults());
  }

  /**
   * As above, with the proxy's options adjusted (tracing, access log) and its limits.
   *
   * @throws UserError when DIR is not a directory, a port is taken or the access log cannot be
   *     opened
   */
  static LocalMesh start(
      Path dir,
      ControllerOptions controllerOptions,
      int entryPort,
      int adminPort,
      UnaryOperator<ProxyOptions> adjust,
      LimitSettings limits) {
    if (!Files.isDirectory(dir)) {
      throw new UserError("'" + dir + "' is not a directory");
    }
    Controller controller;
    try {
      controller = Controller.start(controllerOptions, new FileSource(dir), null);
    } catch (RuntimeException e) {
      throw asUserError(e, "controller API port " + controllerOptions.apiPort(), "--api-port");
    }
    try {
      ProxyOptions options =
          new ProxyOptions(
              URI.create("http://" + LOOPBACK + ":" + controller.apiPort()),
              LOOPBACK,
              adminPort,
              entryPort,
              "local",
              0);
      NodeProxy proxy =
          NodeProxy.start(adjust.apply(options), HttpProxySettings.defaults(), limits);
      // nodemesh tap --controller in local mode: the one proxy, on loopback, needs no grant.
      TapTarget local = new TapTarget("local", LOOPBACK, proxy.adminPort());
      controller.tapTargets(() -> List.of(local));
      return new LocalMesh(controller, proxy);
    } catch (RuntimeException e) {
      controller.close();
      if (e instanceof IllegalStateException
          && String.valueOf(e.getMessage()).startsWith("access log")) {
        throw new UserError(e.getMessage(), e);
      }
      throw asUserError(
          e,
          "entry port " + entryPort + " or admin port " + adminPort,
          "--entry-port/--admin-port");
    }
  }

  /** A port in use is the user's to fix; anything else stays a bug. */
  private static RuntimeException asUserError(RuntimeException e, String what, String flag) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return new UserError(
            what + ": " + t.getMessage() + " (choose another with " + flag + ")", e);
      }
    }
    return e;
  }

  Controller controller() {
    return controller;
  }

  NodeProxy proxy() {
    return proxy;
  }

  /** Waits until the proxy has applied a configuration that includes {@code listeners}. */
  boolean awaitListeners(int listeners, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      long applied = proxy.appliedVersion();
      if (applied > 0
          && applied >= controller.currentConfig().version()
          && controller.currentConfig().listeners().size() >= listeners) {
        return true;
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return false;
  }

  @Override
  public void close() {
    try {
      proxy.close();
    } finally {
      controller.close();
    }
  }
}
