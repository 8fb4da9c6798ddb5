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

  /**
   * The short form most callers need: no tracing flags, access log, token file or controller CA
   * (set those on {@link #toBuilder()}).
   */
  public ProxyOptions(
      URI controller,
      String bindHost,
      int adminPort,
      int entryPort,
      String nodeName,
      int eventLoopThreads) {
    this(
        controller,
        bindHost,
        adminPort,
        entryPort,
        nodeName,
        eventLoopThreads,
        null,
        null,
        null,
        null);
  }

  /**
   * No controller, all interfaces, admin on 9901, no entry port, no node name, one loop per core.
   */
  public static ProxyOptions defaults() {
    return new ProxyOptions(null, "0.0.0.0", 9901, -1, null, 0);
  }

  /** A builder that starts from {@link #defaults()}. */
  public static Builder builder() {
    return defaults().toBuilder();
  }

  /** A builder that starts from these options. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  public ProxyOptions withController(URI value) {
    return toBuilder().controller(value).build();
  }

  public ProxyOptions withBindHost(String value) {
    return toBuilder().bindHost(value).build();
  }

  public ProxyOptions withAdminPort(int value) {
    return toBuilder().adminPort(value).build();
  }

  public ProxyOptions withEntryPort(int value) {
    return toBuilder().entryPort(value).build();
  }

  public ProxyOptions withNodeName(String value) {
    return toBuilder().nodeName(value).build();
  }

  public ProxyOptions withEventLoopThreads(int value) {
    return toBuilder().eventLoopThreads(value).build();
  }

  public ProxyOptions withTracing(TracingOptions value) {
    return toBuilder().tracing(value).build();
  }

  public ProxyOptions withAccessLog(String value) {
    return toBuilder().accessLog(value).build();
  }

  public ProxyOptions withTokenFile(Path value) {
    return toBuilder().tokenFile(value).build();
  }

  public ProxyOptions withControllerCa(Path value) {
    return toBuilder().controllerCa(value).build();
  }

  /**
   * Options field by field; {@link #build()} validates them as the record does. A new option is a
   * record component, a field and a setter here, and one line in {@link #build()}.
   */
  public static final class Builder {
    private URI controller;
    private String bindHost;
    private int adminPort;
    private int entryPort;
    private String nodeName;
    private int eventLoopThreads;
    private TracingOptions tracing;
    private String accessLog;
    private Path tokenFile;
    private Path controllerCa;

    private Builder(ProxyOptions o) {
      controller = o.controller;
      bindHost = o.bindHost;
      adminPort = o.adminPort;
      entryPort = o.entryPort;
      nodeName = o.nodeName;
      eventLoopThreads = o.eventLoopThreads;
      tracing = o.tracing;
      accessLog = o.accessLog;
      tokenFile = o.tokenFile;
      controllerCa = o.controllerCa;
    }

    public Builder controller(URI value) {
      controller = value;
      return this;
    }

    public Builder bindHost(String value) {
      bindHost = value;
      return this;
    }

    public Builder adminPort(int value) {
      adminPort = value;
      return this;
    }

    public Builder entryPort(int value) {
      entryPort = value;
      return this;
    }

    public Builder nodeName(String value) {
      nodeName = value;
      return this;
    }

    public Builder eventLoopThreads(int value) {
      eventLoopThreads = value;
      return this;
    }

    public Builder tracing(TracingOptions value) {
      tracing = value;
      return this;
    }

    public Builder accessLog(String value) {
      accessLog = value;
      return this;
    }

    public Builder tokenFile(Path value) {
      tokenFile = value;
      return this;
    }

    public Builder controllerCa(Path value) {
      controllerCa = value;
      return this;
    }

    public ProxyOptions build() {
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
          controllerCa);
    }
  }
}
