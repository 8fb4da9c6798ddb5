package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.Service;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The pod ports of a Service that want a PROXY protocol v2 header (HAProxy's proxy-protocol.txt,
 * section 2.2) as the first bytes of each relayed TCP connection: annotation {@code
 * nodemesh.io/proxy-protocol}, a comma-separated list of target port numbers or {@code all}.
 *
 * <p>The value is tenant-written: at most {@link #MAX_LENGTH} characters and {@link #MAX_PORTS}
 * ports, read in one pass. A value that does not parse is reported and switches nothing on: a
 * header the app does not expect would be read by it as payload.
 *
 * @param all every target port of the Service
 * @param ports the listed target ports, when not {@code all}
 */
public record ProxyProtocolPorts(boolean all, Set<Integer> ports) {
  /** The annotation's key. */
  public static final String ANNOTATION = "nodemesh.io/proxy-protocol";

  /** Longest value read; 64 five-digit ports and their commas fit. */
  public static final int MAX_LENGTH = 512;

  /** Most ports one value may list. */
  public static final int MAX_PORTS = 64;

  private static final ProxyProtocolPorts NONE = new ProxyProtocolPorts(false, Set.of());

  public ProxyProtocolPorts {
    ports = Set.copyOf(ports);
  }

  /** Whether a connection to the pod's {@code port} starts with the header. */
  public boolean covers(int port) {
    return all || ports.contains(port);
  }

  /**
   * Reads the annotation of {@code svc}; a bad value adds a problem naming the Service and the
   * annotation to {@code problems} (when not null) and reads as off.
   */
  public static ProxyProtocolPorts of(@Nullable Service svc, @Nullable List<Problem> problems) {
    if (svc == null || svc.getMetadata() == null) {
      return NONE;
    }
    Map<String, String> annotations = svc.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(ANNOTATION);
    if (value == null) {
      return NONE;
    }
    String error = null;
    ProxyProtocolPorts parsed = null;
    if (value.length() > MAX_LENGTH) {
      error = "is longer than " + MAX_LENGTH + " characters";
    } else if ("all".equals(value.strip())) {
      parsed = new ProxyProtocolPorts(true, Set.of());
    } else {
      Set<Integer> ports = new TreeSet<>();
      for (String part : value.split(",", -1)) {
        String p = part.strip();
        int port = port(p);
        if (port < 0) {
          error =
              "item '"
                  + (p.length() > 16 ? p.substring(0, 16) + "..." : p)
                  + "' is not a port number in 1..65535 (expected e.g. \"8080,9000\" or \"all\")";
          break;
        }
        ports.add(port);
        if (ports.size() > MAX_PORTS) {
          error = "lists more than " + MAX_PORTS + " ports";
          break;
        }
      }
      if (error == null) {
        parsed = new ProxyProtocolPorts(false, ports);
      }
    }
    if (parsed != null) {
      return parsed;
    }
    if (problems != null) {
      problems.add(
          new Problem(
              "Service",
              svc.getMetadata().getNamespace(),
              svc.getMetadata().getName(),
              "metadata.annotations[" + ANNOTATION + "]",
              "the value " + error + "; no PROXY protocol header is sent to this Service's pods",
              ProblemReason.INVALID_ANNOTATION));
    }
    return NONE;
  }

  /** {@code p} as a port in 1..65535, or -1; at most five ASCII digits, so it cannot overflow. */
  private static int port(String p) {
    if (p.isEmpty() || p.length() > 5) {
      return -1;
    }
    int n = 0;
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n >= 1 && n <= 65535 ? n : -1;
  }
}
