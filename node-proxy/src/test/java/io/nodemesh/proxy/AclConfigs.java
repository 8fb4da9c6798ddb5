package io.nodemesh.proxy;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ACL-mode configs for loopback tests: the client, on 127.0.0.1, is a pod of service account {@code
 * default/web}; every listener's pods are {@code shop/api}.
 */
final class AclConfigs {
  static final String CLIENT_SA = "default/web";
  static final String BACKEND_SA = "shop/api";

  private AclConfigs() {}

  /** ACL mode on; {@code granted} may be called by the client on any port, the rest by nobody. */
  static MeshConfig acl(long version, List<ListenerConfig> listeners, ListenerConfig... granted) {
    List<ListenerAccess> access = new ArrayList<>();
    for (ListenerConfig l : listeners) {
      boolean allow = List.of(granted).contains(l);
      access.add(
          new ListenerAccess(
              l.key(),
              List.of(BACKEND_SA),
              allow
                  ? List.of(
                      new AccessGrant(
                          "shop/web-to-api",
                          "TCPRoute shop/all",
                          BACKEND_SA,
                          List.of(CLIENT_SA),
                          List.of()))
                  : List.of()));
    }
    return new MeshConfig(
        version, "mesh", listeners, new AccessConfig(true, Map.of("127.0.0.1", CLIENT_SA), access));
  }
}
