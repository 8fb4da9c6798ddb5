package io.nodemesh.dns;

import java.util.List;
import java.util.Optional;

/**
 * How the mesh zone is put into, taken out of and read back from one kind of cluster DNS ({@link
 * DnsTarget}): one implementation per target, bound to the target {@link DnsPatcher#locate} found.
 * Every write is computed from what is there, so running either twice changes nothing the second
 * time.
 */
sealed interface DnsStrategy permits CorefileStrategy, CustomServerFileStrategy, KubeDnsStrategy {

  /** The strategy for {@code target}. */
  static DnsStrategy of(DnsTarget target, DnsConfigMaps maps) {
    return switch (target) {
      case DnsTarget.Corefile c -> new CorefileStrategy(c, maps);
      case DnsTarget.CustomServerFile c -> new CustomServerFileStrategy(c, maps);
      case DnsTarget.KubeDns k -> new KubeDnsStrategy(k, maps);
    };
  }

  /** Refuses a DNS that would not load the patch without a restart. */
  void requireReload();

  /** Sends the zone to {@code mesh}; what was written, or empty when it already said so. */
  Optional<String> prepare(MeshDnsSettings mesh, List<String> notes);

  /** Takes the zone back out, restoring what {@link #prepare} changed; whether anything changed. */
  boolean cleanup();

  /** Where the zone {@code domain} goes today, or empty when it is not patched. */
  Optional<String> upstream(String domain);

  /** What to say when the patch a record says was made is gone. */
  String revertedHint();
}
