package io.nodemesh.dns;

/** What {@link DnsPatcher#status} found: the state of the mesh zone in the cluster DNS. */
public sealed interface DnsStatus {
  /** The mesh zone is sent to {@code upstream}. */
  record Patched(DnsTarget target, String upstream) implements DnsStatus {}

  /** No patch, and no record that {@code prepare} ever ran. */
  record NotPatched(DnsTarget target) implements DnsStatus {}

  /**
   * {@code prepare} ran (its record in the mesh namespace says so) but the patch is gone: something
   * rewrote the DNS configuration, typically a managed add-on reconciling its ConfigMap.
   */
  record Reverted(DnsTarget target, String preparedAt, String hint) implements DnsStatus {}

  /** No cluster DNS that Nodemesh knows how to patch. */
  record NotFound(String reason) implements DnsStatus {}
}
