/**
 * The patch that makes the cluster DNS send {@code *.mesh} to the mesh DNS server: a Corefile
 * server block or {@code coredns-custom} key for CoreDNS, a {@code stubDomains} entry for kube-dns,
 * applied and undone exactly. The server itself is in {@code server}; the two share no code.
 */
package io.nodemesh.dns;
