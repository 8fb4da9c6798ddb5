package io.nodemesh.proxy;

import io.nodemesh.testkit.LayeredModuleTest;

/**
 * The proxy's package layering as docs/architecture.md draws it ("Packages and their imports"): the
 * root package wires everything and nothing imports it, no package cycle, and the layers below, top
 * first. A layer never imports one above it: the protocol front ends drive the request path's
 * stages, {@code balance} ties the {@code resilience} primitives to its endpoints, the admit checks
 * ({@code limits}, {@code acl}) import no routing, and {@code metrics} is what everyone reports to.
 */
class ArchitectureTest extends LayeredModuleTest {
  ArchitectureTest() {
    super(
        "io.nodemesh.proxy",
        "(root)",
        "admin, report, identity",
        "tunnel",
        "accept",
        "decode, tcp, udp",
        "upstream",
        "routing",
        "recheck",
        "listener",
        "route",
        "mirror",
        "balance",
        "limits, acl, fault",
        "resilience, transport",
        "metrics",
        "accesslog, tap, tracing, config");
  }
}
