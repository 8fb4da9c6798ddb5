package io.nodemesh.proxy;

import io.nodemesh.proxy.tracing.TracingOptions;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a node proxy starts.
 *
 * @param controller base URL of the controller API (e.g. {@code http://127.0.0.1:9000}); null means
 *     the proxy is fed only through {@link NodeProxy#apply}
 * @param bindHost where service listeners, the entry port and the admin server bind
 * @param adminPort admin server port; 0 = ephemeral
 * @param entryPort entry port; -1 = none, 0 = ephemeral
 * @param nodeName this node's name, or null
 * @param eventLoopThreads event loop count; 0 = number of cores
 * @param tracing tracing flags; null = the {@code OTEL_*} environment only
 * @param accessLog where JSON access logs go: {@code -} for standard output, a file path, or null
 *     for none
 * @param tokenFile a file holding the bearer token sent to the controller (a projected
 *     ServiceAccount token, re-read for every poll because the kubelet rotates it), or null for
 *     none
 * @param controllerCa a PEM file with the CA that signed the controller's certificate, the only one
 *     trusted for an {@code https} controller URL; null: the JDK's default trust store
 */
public record ProxyOptions(
    URI controller,
    String bindHost,
    int adminPort,
    int entryPort,
    String nodeName,
    int eventLoopThreads,
    TracingOptions tracing,
    String accessLog,
    Path tokenFile,
    Path controllerCa) {
  public ProxyOptions {
    Objects.requireNonNull(bindHost, "proxy options bindHost");
    if (adminPort < 0 || adminPort > 65535) {
      throw new IllegalArgumentException(
          "proxy options: adminPort " + adminPort + " not in 0..65535");
    }
    if (entryPort < -1 || entryPort > 65535) {
      throw new IllegalArgumentException(
          "proxy options: entryPort " + entryPort + " not in -1..65535");
    }
    if (eventLoopThreads < 0) {
      throw new IllegalArgumentException(
          "proxy options: eventLoopThreads " + eventLoopThreads + " is negative");
    }
    tracing = tracing == null ? TracingOptions.fromEnvironment() : tracing;
    if (accessLog != null && accessLog.isBlank()) {
      accessLog = null;
    }
  }

  /** Without a controller CA. */
  public ProxyOptions(
      URI controller,
      String bindHost,
      int adminPort,
      int entryPort,
      String nodeName,
      int eventLoopThreads,
      TracingOptions tracing,
      String accessLog,
      Path tokenFile) {
    this(
        controller,
        bindHost,
        adminPort,
        entryPort,
        nodeName,
        eventLoopThreads,
        tracing,
        accessLog,
        tokenFile,
        null);
  }

  /** Without a token file. */
  public ProxyOptions(
      URI controller,
      String bindHost,
      int adminPort,
      int entryPort,
      String nodeName,
      int eventLoopThreads,
      TracingOptions tracing,
      String accessLog) {
    this(
        controller,
        bindHost,
        adminPort,
        entryPort,
        nodeName,
        eventLoopThreads,
        tracing,
        accessLog,
        null);
  }

  /** Without tracing flags or access log. */
  public ProxyOptions(
      URI controller,
      String bindHost,
      int adminPort,
      int entryPort,
      String nodeName,
      int eventLoopThreads) {
    this(controller, bindHost, adminPort, entryPort, nodeName, eventLoopThreads, null, null);
  }

  /**
   * No controller, all interfaces, admin on 9901, no entry port, no node name, one loop per core.
   */
  public static ProxyOptions defaults() {
    return new ProxyOptions(null, "0.0.0.0", 9901, -1, null, 0);
  }

  public ProxyOptions withController(URI value) {
    return new ProxyOptions(
        value,
        bindHost,
        adminPort,
        entryPort,
        nodeName,
        eventLoopThreads,
        tracing,
        accessLog,
        tokenFile,
        controllerCa);
  }

  public ProxyOptions withBindHost(String value) {
    return new ProxyOptions(
        controller,
        value,
        adminPort,
        entryPort,
        nodeName,
        eventLoopThreads,
        tracing,
        accessLog,
        tokenFile,
        controllerCa);
  }

  public ProxyOptions withAdminPort(int value) {
    return new ProxyOptions(
        controller,
        bindHost,
        value,
        entryPort,
        nodeName,
        eventLoopThreads,
        tracing,
        accessLog,
        tokenFile,
        controllerCa);
  }

  public ProxyOptions withEntryPort(int value) {
    return new ProxyOptions(
        controller,
        bindHost,
        adminPort,
        value,
        nodeName,
        eventLoopThreads,
        tracing,
        accessLog,
        tokenFile,
        controllerCa);
  }

  public ProxyOptions withNodeName(String value) {
    return new ProxyOptions(
        controller,
        bindHost,
        adminPort,
        entryPort,
        value,
        eventLoopThreads,
        tracing,
        accessLog,
        tokenFile,
        controllerCa);
  }

  public ProxyOptions withEventLoopThreads(int value) {
    return new ProxyOptions(
        controller,
        bindHost,
        adminPort,
        entryPort,
        nodeName,
        value,
        tracing,
        accessLog,
        tokenFile,
        controllerCa);
  }

  public ProxyOptions withTracing(TracingOptions value) {
    return new ProxyOptions(
        controller,
        bindHost,
        adminPort,
        entryPort,
        nodeName,
        eventLoopThreads,
        value,
        accessLog,
        tokenFile,
        controllerCa);
  }

  public ProxyOptions withAccessLog(String value) {
    return new ProxyOptions(
        controller,
        bindHost,
        adminPort,
        entryPort,
        nodeName,
        eventLoopThreads,
        tracing,
        value,
        tokenFile);
  }

  public ProxyOptions withTokenFile(Path value) {
    return new ProxyOptions(
        controller,
        bindHost,
        adminPort,
        entryPort,
        nodeName,
        eventLoopThreads,
        tracing,
        accessLog,
        value,
        controllerCa);
  }

  public ProxyOptions withControllerCa(Path value) {
    return new ProxyOptions(
        controller,
        bindHost,
        adminPort,
        entryPort,
        nodeName,
        eventLoopThreads,
        tracing,
        accessLog,
        tokenFile,
        value);
  }
}
