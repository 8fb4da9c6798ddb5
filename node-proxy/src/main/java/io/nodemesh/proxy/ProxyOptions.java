package io.nodemesh.proxy;

import java.net.URI;
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
 */
public record ProxyOptions(
    URI controller,
    String bindHost,
    int adminPort,
    int entryPort,
    String nodeName,
    int eventLoopThreads) {
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
  }

  /**
   * No controller, all interfaces, admin on 9901, no entry port, no node name, one loop per core.
   */
  public static ProxyOptions defaults() {
    return new ProxyOptions(null, "0.0.0.0", 9901, -1, null, 0);
  }

  public ProxyOptions withController(URI value) {
    return new ProxyOptions(value, bindHost, adminPort, entryPort, nodeName, eventLoopThreads);
  }

  public ProxyOptions withBindHost(String value) {
    return new ProxyOptions(controller, value, adminPort, entryPort, nodeName, eventLoopThreads);
  }

  public ProxyOptions withAdminPort(int value) {
    return new ProxyOptions(controller, bindHost, value, entryPort, nodeName, eventLoopThreads);
  }

  public ProxyOptions withEntryPort(int value) {
    return new ProxyOptions(controller, bindHost, adminPort, value, nodeName, eventLoopThreads);
  }

  public ProxyOptions withNodeName(String value) {
    return new ProxyOptions(controller, bindHost, adminPort, entryPort, value, eventLoopThreads);
  }

  public ProxyOptions withEventLoopThreads(int value) {
    return new ProxyOptions(controller, bindHost, adminPort, entryPort, nodeName, value);
  }
}
