package io.nodemesh.proxy;

import io.nodemesh.testkit.LayeredModuleTest;

/**
 * The proxy's package layering as docs/architecture.md draws it ("Packages and their imports"): the
 * root package wires everything and nothing imports it, no package cycle, and the layers below, top
 * first. A layer never imports one above it. The HTTP request path's stages (accept, decode, admit,
 * routing, balance, upstream, respond) only import forward: {@code upstream} sits above {@code
 * routing} because an exchange carries the route's decision, and {@code respond} is the floor of
 * the stages, since the {@code limits} handlers answer with it too. {@code balance} ties the {@code
 * resilience} primitives to its endpoints, and {@code metrics} is what everyone reports to.
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
        "admit",
        "upstream",
        "routing",
        "recheck",
        "listener",
        "route",
        "mirror",
        "balance",
        "limits, acl, fault",
        "respond",
        "resilience, transport",
        "metrics",
        "accesslog, tap, tracing, config");
  }
}
